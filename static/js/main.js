// Wire the page up. Each import does one job.
import { watchServiceWorker } from "./offline.js";

watchServiceWorker(document.getElementById("sw-status"));
