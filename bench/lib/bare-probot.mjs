// The baseline of the `ack` section: a bare Probot 14 app with an empty handler, started the
// way `npm start` starts ours (probot's `run`, so the same Server, logger and webhook
// verification of Probot; only our app's code is missing). It reads the same environment
// (APP_ID, PRIVATE_KEY, WEBHOOK_SECRET, PORT, HOST, LOG_LEVEL, GHE_HOST...).
import { run } from "probot";

await run((app) => {
  app.on("code_scanning_alert.created", async () => {});
});
