// Reading on while unlocked: moving between the contents and the sections swaps the page's <main>
// in place instead of loading a new document, so the journal key (held in page memory only)
// survives and the worker does not type the passphrase again for every section.
// While locked, links load pages as usual.
import * as session from "./session.js";

const READING = /^\/(section\/[^/]+)?$/; // the contents page and the section pages
let current = location.pathname;

function readingLink(event) {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return null;
  const link = event.target.closest("a[href]");
  if (!link || link.target || link.hasAttribute("download")) return null;
  const url = new URL(link.href);
  if (url.origin !== location.origin || !READING.test(url.pathname) || url.pathname === current) return null;
  return url;
}

/** Show the page at `url` in this document; the service worker answers from its cache offline. */
async function go(url, push) {
  const response = await fetch(url.pathname, { credentials: "same-origin" });
  if (!response.ok) throw new Error(`${url.pathname}: ${response.status}`);
  const next = new DOMParser().parseFromString(await response.text(), "text/html");
  dispatchEvent(new CustomEvent("alongside:leave")); // journal.js saves anything still pending
  document.title = next.title;
  document.body.dataset.page = next.body.dataset.page;
  document.getElementById("main").replaceWith(document.adoptNode(next.getElementById("main")));
  if (push) history.pushState({ soft: true }, "", url.href);
  current = url.pathname;
  const target = url.hash && document.getElementById(decodeURIComponent(url.hash.slice(1)));
  if (target) target.scrollIntoView();
  else scrollTo(0, 0);
  document.getElementById("main").focus({ preventScroll: true });
  dispatchEvent(new CustomEvent("alongside:navigated"));
}

document.addEventListener("click", (event) => {
  const url = session.isUnlocked() && readingLink(event);
  if (!url) return;
  event.preventDefault();
  go(url, true).catch(() => { location.href = url.href; });
});

addEventListener("popstate", () => {
  if (location.pathname === current) return; // an anchor within this page
  if (!session.isUnlocked()) location.reload();
  else go(new URL(location.href), false).catch(() => location.reload());
});
