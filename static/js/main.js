// Wire the page up. Each import does one job. (offline.js is its own entry in base.html, so the
// service worker registers without waiting for these.)
import "./lock.js"; // Lock now, idle lock, privacy curtain, unlock dialog
import { start } from "./nav.js"; // while unlocked, the worker's pages are one document

// Each page's module: nav.js mounts it on show and unmounts it on leave.
const started = start({
  home: "./progress.js", // progress and "Continue" on the contents page
  section: "./journal.js", // the activity forms
  journal: "./journal-page.js", // set up, unlock, passphrase, backups
  support: "./support.js", // the people named in 2.0, a breather
  share: "./share.js", // pairing, summaries, outbox
  print: "./print.js", // the answers, to print
  revalidation: "./revalidation.js", // CPD record, reflective accounts, discussion
});
// The page's controls work from here: CSS shows the ones only a script can run ([data-needs-app]).
started?.then(() => {
  document.documentElement.dataset.app = "started";
  performance.mark("alongside:app-started"); // bench/first_load.py reads it
});

// Send waiting summaries from any page; outbox.js loads only on a paired phone. Opening the app and getting
// signal back are worth one try each, even before a retry falls due: Safari has no Background Sync.
const send = () => import("./session.js").then((s) => s.getSetting("pairing", null))
  .then((paired) => paired && import("./outbox.js").then((outbox) => outbox.sendOutbox({ force: true }))).catch(() => {});
send();
addEventListener("online", send);
