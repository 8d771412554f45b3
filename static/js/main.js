// Wire the page up. Each import does one job.
import { watchServiceWorker } from "./offline.js";

watchServiceWorker(document.getElementById("sw-status"));
import "./lock.js"; // Lock now, idle lock, privacy curtain, unlock dialog
