// Wire the page up. Each import does one job.
// (offline.js is its own entry in base.html, so the service worker registers without waiting for these.)
// Journal forms on section pages, progress on the contents page; after an in-place move between
// them (softnav.js, while unlocked) both look again at what is on show.
const startPage = (modules) => modules.forEach((m) => import(m).then((page) => page.start()));
startPage([document.body.dataset.page === "home" ? "./progress.js" : "./journal.js"]);
addEventListener("alongside:navigated", () => startPage(["./progress.js", "./journal.js"]));
import "./softnav.js"; // reading on while unlocked keeps the journal unlocked
import "./lock.js"; // Lock now, idle lock, privacy curtain, unlock dialog
if (document.body.dataset.page === "share") import("./share.js"); // pairing, summaries, outbox
else {
  // Send waiting summaries from any page; outbox.js loads only on a paired phone.
  const send = () => import("./session.js").then((s) => s.getSetting("pairing", null))
    .then((paired) => paired && import("./outbox.js").then((outbox) => outbox.sendOutbox())).catch(() => {});
  send();
  addEventListener("online", send);
}
