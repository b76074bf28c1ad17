// A tiny MCP server over stdio (newline-delimited JSON-RPC) for the failure tests. Its tools:
//   echo  {text}  returns the text;
//   hang  {}      never answers;
//   crash {code}  writes a line to stderr and exits with the code (default 3) without answering;
//   pid   {}      returns the server's process id, so a test can kill it.
import { createInterface } from "node:readline";

const tools = [
  { name: "echo", description: "Returns the text.", annotations: { readOnlyHint: true },
    inputSchema: { type: "object", properties: { text: { type: "string" } }, required: ["text"] } },
  { name: "hang", description: "Never answers.", annotations: { readOnlyHint: true },
    inputSchema: { type: "object", properties: {} } },
  { name: "crash", description: "Exits the server mid-call.", annotations: { readOnlyHint: true },
    inputSchema: { type: "object", properties: { code: { type: "integer" } } } },
  { name: "pid", description: "Returns the process id.", annotations: { readOnlyHint: true },
    inputSchema: { type: "object", properties: {} } },
];

const send = (message) => process.stdout.write(JSON.stringify({ jsonrpc: "2.0", ...message }) + "\n");

createInterface({ input: process.stdin }).on("line", (line) => {
  if (!line.trim()) return;
  const { id, method, params } = JSON.parse(line);
  if (id === undefined) return; // notifications
  switch (method) {
    case "initialize":
      send({ id, result: { protocolVersion: "2025-06-18", capabilities: { tools: {} }, serverInfo: { name: "failing-server", version: "1.0.0" } } });
      break;
    case "ping":
      send({ id, result: {} });
      break;
    case "tools/list":
      send({ id, result: { tools } });
      break;
    case "tools/call": {
      const args = params?.arguments ?? {};
      if (params?.name === "echo") {
        send({ id, result: { content: [{ type: "text", text: String(args.text) }] } });
      } else if (params?.name === "pid") {
        send({ id, result: { content: [{ type: "text", text: String(process.pid) }] } });
      } else if (params?.name === "crash") {
        process.stderr.write("failing-server: crashing on purpose\n", () => process.exit(args.code ?? 3));
      } else if (params?.name !== "hang") {
        send({ id, result: { isError: true, content: [{ type: "text", text: `unknown tool ${params?.name}` }] } });
      }
      break;
    }
    default:
      send({ id, error: { code: -32601, message: `Method not found: ${method}` } });
  }
});
