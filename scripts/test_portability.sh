#!/usr/bin/env bash
# Re-run every chapter notebook under nbval as other CPUs would run it.
#
# Seeded float results depend on the vector instructions a CPU's kernels use
# (AVX2, AVX-512, ARM): derivation cells must not notice, measurement cells
# (tag nbval-ignore-output) must still assert their conclusions. Each
# configuration is set before python starts, as these variables require:
#   native   the kernels this CPU selects by itself
#   default  ATEN_CPU_CAPABILITY=default: ATen's generic (non-vectorized) kernels
#   avx2     ATen, oneDNN and MKL held to AVX2 (what `make notebooks` records with)
#   threads2 native kernels, two training threads instead of one (LIGHTNETS_THREADS=2;
#            passive OpenMP waiting, so two threads do not spin against other work;
#            the 90 s budget is reported, not enforced: it is for the one-thread default)
# Usage: scripts/test_portability.sh [CONFIG ...]   (default: all four)
set -uo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}

declare -A ENVS=(
  [native]=""
  [default]="ATEN_CPU_CAPABILITY=default"
  [avx2]="ATEN_CPU_CAPABILITY=avx2 MKL_CBWR=AVX2 DNNL_MAX_CPU_ISA=AVX2"
  [threads2]="LIGHTNETS_THREADS=2 OMP_WAIT_POLICY=PASSIVE"
)
configs=("$@")
[ ${#configs[@]} -gt 0 ] || configs=(native default avx2 threads2)

summary=() failed=0
for config in "${configs[@]}"; do
  [ -n "${ENVS[$config]+x}" ] || { echo "unknown configuration '$config'; expected one of: ${!ENVS[*]}" >&2; exit 2; }
  echo "=== $config: ${ENVS[$config]:-(no variable set)}"
  start=$(date +%s)
  if env ${ENVS[$config]} "$PY" -m pytest notebooks -q; then verdict=passed; else verdict=FAILED; failed=1; fi
  summary+=("$config: $verdict in $(( $(date +%s) - start )) s")
done
echo; echo "=== test-portability"; printf '%s\n' "${summary[@]}"
exit $failed
