// Prints each failed test in a TRX file with the first lines of its message and stack,
// so the end of the test command's output says what failed (CI keeps only the end).
import { readFileSync } from "node:fs";

const trx = readFileSync(process.argv[2], "utf8");
const unescape = (s) =>
  s.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, "&");
const results = trx.match(/<UnitTestResult\b[\s\S]*?(?:\/>|<\/UnitTestResult>)/g) ?? [];
for (const result of results) {
  if (!/\boutcome="Failed"/.test(result.slice(0, result.indexOf(">")))) continue;
  const name = unescape(/\btestName="([^"]*)"/.exec(result)?.[1] ?? "?");
  const message = unescape(/<Message>([\s\S]*?)<\/Message>/.exec(result)?.[1] ?? "");
  const stack = unescape(/<StackTrace>([\s\S]*?)<\/StackTrace>/.exec(result)?.[1] ?? "");
  console.log(`FAILED ${name}`);
  for (const line of message.split("\n").slice(0, 12)) console.log(`  ${line.trimEnd()}`);
  for (const line of stack.split("\n").filter((l) => l.includes("StationHub")).slice(0, 6)) console.log(`  ${line.trim()}`);
}
