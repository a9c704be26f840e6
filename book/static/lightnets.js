/* LightNets book: what the rendered pages add to the saved notebooks.
 *
 * 1. A notice above every saved widget: in the book the sliders move but the
 *    output is the one view saved when the notebook ran; the explorer is live
 *    only with a kernel (Colab or Jupyter).
 * 2. Alt text for figures drawn inside a saved widget (the widget manager
 *    draws them without any).
 * 3. The widget manager typesets labels with the MathJax 2 call
 *    MathJax.Hub.Queue(["Typeset", MathJax.Hub, element]); the book loads
 *    MathJax 3, which has no Hub. A two-line Hub passes the call to MathJax 3.
 * 4. Search results quote the page's text, where a formula is still TeX
 *    source; the snippet drops the delimiters and the commonest commands, so
 *    it reads "1/N + 1/D_K^2" rather than "\(1/N + 1/D_K^2\)".
 */
(function () {
  "use strict";

  var NOTICE = "Interactive in Colab or Jupyter; in the book it shows one saved view " +
    "(the controls move, the output stays).";
  var WIDGET_ALT = "The explorer's output for its saved settings (a static picture; run the notebook to change them).";

  // 3. MathJax 2's Hub.Queue, on top of MathJax 3.
  function typeset(element) {
    var mj = window.MathJax;
    var ready = mj && mj.startup && mj.startup.promise ? mj.startup.promise : Promise.resolve();
    return ready.then(function () {
      if (window.MathJax && window.MathJax.typesetPromise) {
        return window.MathJax.typesetPromise(element ? [element] : undefined);
      }
    }).catch(function () { /* a label that does not typeset stays plain text */ });
  }
  var HUB = {
    Queue: function () {
      Array.prototype.forEach.call(arguments, function (job) {
        if (Array.isArray(job) && job[0] === "Typeset") typeset(job[2]);
      });
    }
  };
  // The page assigns window.MathJax (its configuration) after this script, and
  // MathJax may assign it again: give every object assigned there the Hub.
  var current = window.MathJax;
  function withHub(value) {
    if (value && typeof value === "object" && !value.Hub) value.Hub = HUB;
    return value;
  }
  Object.defineProperty(window, "MathJax", {
    configurable: true,
    get: function () { return current; },
    set: function (value) { current = withHub(value); }
  });
  withHub(current);

  // 4.
  function plainTeX(text) {
    return text
      .replace(/\\(?:text|mathrm|mathbf|operatorname)\{([^{}]*)\}/g, "$1")
      .replace(/\\times/g, "×").replace(/\\cdot/g, "·").replace(/\\alpha/g, "α").replace(/\\rho/g, "ρ")
      .replace(/\\(?:,|;|!|quad|qquad| )/g, " ")
      .replace(/\\left|\\right/g, "")
      .replace(/\\[()[\]]|\$\$/g, "");
  }
  function patchSearch() {
    if (typeof Search === "undefined" || !Search.htmlToText || Search.htmlToText.lightnets) return;
    var htmlToText = Search.htmlToText;
    Search.htmlToText = function (html, anchor) { return plainTeX(htmlToText(html, anchor)); };
    Search.htmlToText.lightnets = true;
  }

  // 1. and 2.
  function addNotices() {
    var views = document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]');
    Array.prototype.forEach.call(views, function (view) {
      var prev = view.previousElementSibling;
      if (prev && prev.classList.contains("lightnets-widget-notice")) return;
      var note = document.createElement("p");
      note.className = "lightnets-widget-notice";
      note.setAttribute("role", "note");
      note.textContent = NOTICE;
      view.parentNode.insertBefore(note, view);
    });
  }
  function labelWidgetImages(root) {
    var images = (root.querySelectorAll ? root : document).querySelectorAll(".widget-subarea img:not([alt])");
    Array.prototype.forEach.call(images, function (img) { img.setAttribute("alt", WIDGET_ALT); });
  }
  document.addEventListener("DOMContentLoaded", function () {
    patchSearch();
    addNotices();
    labelWidgetImages(document);
    new MutationObserver(function () { labelWidgetImages(document); })
      .observe(document.body, {childList: true, subtree: true});
  });
})();
