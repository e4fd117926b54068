// The embedded form's one browser call beyond host.js, kept apart so the
// listener-only build does not carry it.

/** Constructed stylesheets are not subject to a page's `style-src` CSP, so the
 *  embedded form keeps its looks on strict pages; a `<style>` is the fallback. */
export function adopt_style(root, css) {
  try {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    root.adoptedStyleSheets = [sheet];
  } catch {
    const style = document.createElement("style");
    style.textContent = css;
    root.prepend(style);
  }
}
