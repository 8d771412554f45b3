// The navigator. The journal key lives in page memory only, so while the journal is unlocked the
// worker's pages are one document: a link fetches the next page (from the service worker's cache
// when offline) and swaps <main>. Each page has one module with mount() and unmount() (main.js
// names them). Locked, links load documents as usual; a reload or a closed tab locks.
import * as session from "./session.js";

const WORKER_PAGE = /^\/(section\/[^/]+(\/\d+)?|journal|support|share|print|revalidation)?$/;
let modules = {}; // body[data-page] -> module URL
let shown = null; // the mounted page module
let here = location.pathname;
let key = ""; // this history entry's key: scroll positions are kept per entry for back and forward
const scrolls = new Map();
const newKey = () => Math.random().toString(36).slice(2);

const fire = (name) => dispatchEvent(new CustomEvent(name));
const main = () => document.getElementById("main");

/** Mark the app bar's link to the page on show (Journal covers Print and Revalidation, Contents the sections). */
function markCurrent() {
  const page = document.body.dataset.page;
  const path = { home: "/", section: "/", print: "/journal", revalidation: "/journal" }[page] ?? `/${page}`;
  document.querySelectorAll(".bar-nav a").forEach((a) => {
    if (new URL(a.href).pathname === path) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  });
}

/** Mount the module of the page on show. A module that fails is reported, never answered by loading
 * the page again (a new document would lock the journal). */
async function mount() {
  markCurrent();
  const url = modules[document.body.dataset.page];
  try {
    shown = url ? await import(url) : null;
    await shown?.mount?.();
  } catch (error) {
    console.error("Alongside: this page did not start:", error);
  }
}

/** Where an old link's anchor moved: a split section's first part (its old URL) maps each anchor to its part. */
export function movedTo(url) {
  const id = decodeURIComponent(url.hash.slice(1));
  const article = document.querySelector("article[data-anchors]");
  if (!id || !article || document.getElementById(id)) return null;
  const part = JSON.parse(article.dataset.anchors)[id];
  return part ? new URL(`/section/${article.dataset.section}${part > 1 ? `/${part}` : ""}#${id}`, url) : null;
}

/** Move focus to the page's heading, so a screen reader announces the page on show. */
function focusHeading() {
  const heading = main().querySelector("h1");
  heading?.setAttribute("tabindex", "-1");
  (heading ?? main()).focus({ preventScroll: true });
}

/** Put a target fully in view below the sticky header (CSS scroll-margin-top does the offset). */
function land(url) {
  const target = url.hash && document.getElementById(decodeURIComponent(url.hash.slice(1)));
  if (target) target.scrollIntoView({ block: "start", behavior: "instant" });
  return target;
}

/** Land on the target, and again whenever the page above it grows or shrinks while modules fill it
 * in (controls added, notes reworded), until the worker moves or a moment has passed. */
function keepLanded(url, ms = 1500) {
  if (!land(url)) return false;
  const watch = new AbortController();
  const observer = new ResizeObserver(() => land(url));
  const stop = () => { observer.disconnect(); watch.abort(); };
  observer.observe(main());
  for (const type of ["pointerdown", "keydown", "wheel", "touchstart"]) addEventListener(type, stop, { capture: true, passive: true, signal: watch.signal });
  setTimeout(stop, ms);
  return true;
}

function linkOf(event) {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return null;
  const link = event.target.closest("a[href]");
  if (!link || link.target || link.hasAttribute("download")) return null;
  const url = new URL(link.href);
  return url.origin === location.origin && WORKER_PAGE.test(url.pathname) ? url : null;
}

/** Show the page at `url` in this document. */
async function go(url, how = "push") {
  const response = await fetch(url.pathname, { credentials: "same-origin" });
  if (!response.ok) throw new Error(`${url.pathname}: ${response.status}`);
  const next = new DOMParser().parseFromString(await response.text(), "text/html");
  if (how !== "none") scrolls.set(key, scrollY);
  await shown?.unmount?.(); // the page saves what is typed before it goes
  shown = null;
  fire("alongside:leave");
  document.title = next.title;
  document.body.dataset.page = next.body.dataset.page;
  main().replaceWith(document.adoptNode(next.getElementById("main")));
  history.scrollRestoration = "manual";
  if (how === "none") key = history.state?.key ?? "";
  else history[how === "push" ? "pushState" : "replaceState"]({ key: (key = newKey()) }, "", url.href);
  here = url.pathname;
  focusHeading();
  const moved = movedTo(url);
  if (moved) return go(moved, "replace");
  const mounting = mount();
  fire("alongside:navigated");
  if (!keepLanded(url)) scrollTo(0, scrolls.get(key) ?? 0);
  await mounting;
}

let queue = Promise.resolve();
/** One navigation at a time; if the next page cannot even be fetched, `otherwise` loads it as usual. */
function navigate(url, how, otherwise) {
  queue = queue.then(() => go(url, how)).catch(otherwise);
}

function onClick(event) {
  const url = linkOf(event);
  if (!url) return;
  if (url.pathname === location.pathname && !url.hash) { // never reload the page on show
    event.preventDefault();
    scrollTo(0, 0);
    focusHeading();
    return;
  }
  const moved = url.pathname === location.pathname ? movedTo(url) : url; // same page: the browser jumps, unless it moved
  if (!moved) return;
  event.preventDefault();
  if (!session.isUnlocked()) location.href = moved.href; // locked: load as usual
  else navigate(moved, "push", () => { location.href = moved.href; });
}

function onPopState() {
  if (location.pathname === here) return; // an anchor on this page
  if (!session.isUnlocked()) return location.reload();
  navigate(new URL(location.href), "none", () => location.reload());
}

/** Mount the first page and take over the worker's links. */
export function start(pageModules) {
  modules = pageModules;
  const relocated = movedTo(new URL(location.href));
  if (relocated) return location.replace(relocated.href);
  key = history.state?.key ?? newKey();
  history.replaceState({ ...history.state, key }, "");
  document.addEventListener("click", onClick);
  addEventListener("popstate", onPopState);
  keepLanded(new URL(location.href)); // the browser jumped there before the page's module filled it in
  return mount();
}
