// The official @langfuse/client reading prompts from `promptgit serve`, unchanged: run by
// tests/server/test_langfuse_js.py as `node read_prompts.mjs BASE_URL SECRET_KEY`; prints one JSON object.
import { LangfuseClient } from "@langfuse/client";

const [baseUrl, secretKey] = process.argv.slice(2);
const langfuse = new LangfuseClient({ publicKey: "pk-lf-promptgit", secretKey, baseUrl });
const out = {};

const text = await langfuse.prompt.get("greeting");
out.text = { version: text.version, config: text.config, labels: text.labels, prompt: text.prompt,
  compiled: text.compile({ user: "Ada", product: "promptgit" }) };

const staging = await langfuse.prompt.get("greeting", { label: "staging" });
out.staging = staging.compile({ user: "Ada", product: "promptgit" });

const chat = await langfuse.prompt.get("support/chat", { type: "chat" });
out.chat = { version: chat.version, compiled: chat.compile({ question: "How do I roll back?" }) };

try {
  await langfuse.prompt.get("no/such/prompt", { maxRetries: 0 });
  out.notFound = "no error";
} catch (error) {
  out.notFound = { name: error.constructor.name, status: error.statusCode ?? null };
}

const fallback = await langfuse.prompt.get("no/such/prompt", { fallback: "Hi {{user}}", maxRetries: 0 });
out.fallback = { isFallback: fallback.isFallback, compiled: fallback.compile({ user: "Ada" }) };

const again = await langfuse.prompt.get("greeting");  // inside the TTL (60 s by default): the cache answers
out.again = again.compile({ user: "Bo", product: "promptgit" });

process.stdout.write(JSON.stringify(out));
