// Loaded before require.js and the ipywidgets HTML manager on pages with stored widgets (see conf.py).

// 1. The manager's own files (Font Awesome's fonts, for icons) are found in this site's copy of it, not beside the
//    page or on a CDN. Its bundles compute where they live two ways: from this variable (libembed-amd), and from
//    their AMD module's URL (`@jupyter-widgets/base`, `/controls`), which require.js derives from its `paths`
//    config; a global `require` object defined before require.js loads is that config.
const assets = new URL("jupyter-widgets/", document.currentScript.src).href;
window.__jupyter_widgets_assets_path__ = assets;
window.require = {paths: {"@jupyter-widgets": assets.replace(/\/$/, "")}};

// 2. ipywidgets 8 typesets widget labels with MathJax 2's API (`MathJax.Hub.Queue(["Typeset", MathJax.Hub, element])`),
//    but the site loads MathJax 3, which has no `Hub`: on a page with both, every widget label threw. This gives every
//    value of `window.MathJax` (Sphinx's config object, then MathJax 3 itself) a `Hub` whose `Queue` typesets the
//    element with MathJax 3, once MathJax has started (its first pass skips widgets: myst marks sections mathjax_ignore).
(function () {
  let current = window.MathJax;
  function typeset(element, tries) {
    const mathjax = current;
    if (mathjax && mathjax.startup && mathjax.startup.promise && mathjax.typesetPromise) {
      mathjax.startup.promise.then(() => mathjax.typesetPromise([element])).catch(console.error);
    } else if (tries > 0) {
      setTimeout(() => typeset(element, tries - 1), 100);  // MathJax 3 is still loading (a deferred script)
    }
  }
  const hub = {
    Queue: function (...items) {
      for (const item of items) if (Array.isArray(item) && item[2]) typeset(item[2], 100);
    },
  };
  function withHub(value) {
    if (value && typeof value === "object" && !("Hub" in value)) Object.defineProperty(value, "Hub", {value: hub});
    return value;
  }
  withHub(current);
  Object.defineProperty(window, "MathJax", {
    configurable: true,
    get: function () { return current; },
    set: function (value) { current = withHub(value); },
  });
})();
