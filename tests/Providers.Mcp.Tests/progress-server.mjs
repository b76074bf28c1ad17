// A tiny MCP server over stdio (newline-delimited JSON-RPC) whose tool reports progress, for the progress tests.
// Its tools:
//   work {steps}  sends notifications/progress "step 1 of N" for the call's progress token, then waits; each call to
//                 `next` sends the following step, and the one after the last answers the work call with "done";
//                 without a progress token it answers with an error saying so;
//   next {}       moves the waiting work call on, and answers "moved".
// Holding each step until the test asks for the next one lets the test show order, never timing.
import { createInterface } from "node:readline";

const tools = [
  { name: "work", description: "Works in steps, reporting progress.", annotations: { readOnlyHint: true },
    inputSchema: { type: "object", properties: { steps: { type: "integer" } }, required: ["steps"] } },
  { name: "next", description: "Moves the waiting work call on.", annotations: { readOnlyHint: true },
    inputSchema: { type: "object", properties: {} } },
];

const send = (message) => process.stdout.write(JSON.stringify({ jsonrpc: "2.0", ...message }) + "\n");
let work = null; // { id, token, step, steps }

const step = () => {
  if (work.step < work.steps) {
    work.step++;
    send({ method: "notifications/progress",
      params: { progressToken: work.token, progress: work.step, total: work.steps, message: `step ${work.step} of ${work.steps}` } });
  } else {
    send({ id: work.id, result: { content: [{ type: "text", text: "done" }] } });
    work = null;
  }
};

createInterface({ input: process.stdin }).on("line", (line) => {
  if (!line.trim()) return;
  const { id, method, params } = JSON.parse(line);
  if (id === undefined) return; // notifications
  switch (method) {
    case "initialize":
      send({ id, result: { protocolVersion: "2025-06-18", capabilities: { tools: {} }, serverInfo: { name: "progress-server", version: "1.0.0" } } });
      break;
    case "ping":
      send({ id, result: {} });
      break;
    case "tools/list":
      send({ id, result: { tools } });
      break;
    case "tools/call": {
      const token = params?._meta?.progressToken;
      if (params?.name === "work") {
        if (token === undefined) {
          send({ id, result: { isError: true, content: [{ type: "text", text: "no progress token was sent" }] } });
          break;
        }
        work = { id, token, step: 0, steps: params.arguments?.steps ?? 3 };
        step();
      } else if (params?.name === "next") {
        send({ id, result: { content: [{ type: "text", text: work ? "moved" : "nothing to move" }] } });
        if (work) step();
      } else {
        send({ id, result: { isError: true, content: [{ type: "text", text: `unknown tool ${params?.name}` }] } });
      }
      break;
    }
    default:
      send({ id, error: { code: -32601, message: `Method not found: ${method}` } });
  }
});
