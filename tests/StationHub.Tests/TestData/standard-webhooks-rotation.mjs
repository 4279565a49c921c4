// Makes standard-webhooks-rotation.json with the reference `standardwebhooks` npm package (1.1.1):
//   npm install standardwebhooks@1.1.1 && node standard-webhooks-rotation.mjs > standard-webhooks-rotation.json
// "outbound": the header the hub must send while rotating (one v1 signature per secret, space-separated),
// made here from the reference library's own signatures and checked with its verify() under each secret.
// "inbound": signatures the reference library made with one secret of a platform's pair.
import { Webhook } from "standardwebhooks";

const current = "whsec_" + Buffer.from("stationhub-rotation-current-secret-32b!").toString("base64");
const next = "whsec_" + Buffer.from("stationhub-rotation-next-secret-32bytes!").toString("base64");
const other = "whsec_" + Buffer.from("stationhub-rotation-unrelated-secret-32!").toString("base64");
const id = "msg_rotation01";
const now = new Date(Math.floor(Date.now() / 1000) * 1000);
const timestamp = Math.floor(now.getTime() / 1000);
const body = JSON.stringify({ type: "hazard_report.routed", timestamp: "2026-11-27T10:00:00.000Z", data: { service_request_id: "hr-1", description: "消防通道" } });

const header = [current, next].map((s) => new Webhook(s).sign(id, now, body)).join(" ");
const verifies = (secret, signature) => {
  try {
    new Webhook(secret).verify(body, { "webhook-id": id, "webhook-timestamp": String(timestamp), "webhook-signature": signature });
    return true;
  } catch {
    return false;
  }
};

console.log(JSON.stringify({
  source: "standardwebhooks npm package 1.1.1",
  current, next, other, id, timestamp, body,
  outbound: { header, verifiedWithCurrent: verifies(current, header), verifiedWithNext: verifies(next, header), verifiedWithOther: verifies(other, header) },
  inbound: {
    signedWithCurrent: new Webhook(current).sign(id, now, body),
    signedWithNext: new Webhook(next).sign(id, now, body),
    signedWithOther: new Webhook(other).sign(id, now, body),
  },
}, null, 2));
