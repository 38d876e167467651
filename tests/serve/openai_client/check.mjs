// Checks an airan API server with the official `openai` npm client: one non-streaming and one
// streaming chat completion, plus the model list. Usage: node check.mjs BASE_URL [API_KEY]
// (BASE_URL like http://127.0.0.1:8080/v1). Exits 0 when every check passes, 1 otherwise.
import OpenAI from "openai";

const baseURL = process.argv[2];
if (!baseURL) {
  console.error("usage: node check.mjs BASE_URL [API_KEY]");
  process.exit(2);
}
const client = new OpenAI({ baseURL, apiKey: process.argv[3] ?? "none", maxRetries: 0, timeout: 30000 });

function check(cond, what) {
  if (!cond) throw new Error(`check failed: ${what}`);
}

async function main() {
  const models = await client.models.list();
  const ids = [];
  for await (const m of models) ids.push(m.id);
  check(ids.length === 1, `one model listed, got ${JSON.stringify(ids)}`);
  const model = ids[0];

  const messages = [{ role: "user", content: "Once upon a time" }];
  const whole = await client.chat.completions.create({
    model, messages, max_tokens: 8, temperature: 0, seed: 1,
  });
  check(whole.object === "chat.completion", `object, got ${whole.object}`);
  check(whole.id.startsWith("chatcmpl-"), `id, got ${whole.id}`);
  const choice = whole.choices[0];
  check(choice.message.role === "assistant", `role, got ${choice.message.role}`);
  check(typeof choice.message.content === "string" && choice.message.content.length > 0,
        "non-empty content");
  check(choice.finish_reason === "length" || choice.finish_reason === "stop",
        `finish_reason, got ${choice.finish_reason}`);
  check(whole.usage.completion_tokens >= 1 && whole.usage.completion_tokens <= 8,
        `completion_tokens, got ${whole.usage.completion_tokens}`);
  check(whole.usage.total_tokens === whole.usage.prompt_tokens + whole.usage.completion_tokens,
        "total_tokens");

  const stream = await client.chat.completions.create({
    model, messages, max_tokens: 8, temperature: 0, seed: 1, stream: true,
  });
  let text = "";
  let role = null;
  let finish = null;
  let chunks = 0;
  for await (const chunk of stream) {
    ++chunks;
    check(chunk.object === "chat.completion.chunk", `chunk object, got ${chunk.object}`);
    const c = chunk.choices[0];
    if (c.delta.role) role = c.delta.role;
    if (c.delta.content) text += c.delta.content;
    if (c.finish_reason) finish = c.finish_reason;
  }
  check(role === "assistant", "first delta carries the role");
  check(finish === choice.finish_reason, `stream finish_reason ${finish} = ${choice.finish_reason}`);
  // Greedy decoding: streaming and non-streaming produce the same text.
  check(text === choice.message.content,
        `streamed text ${JSON.stringify(text)} = ${JSON.stringify(choice.message.content)}`);

  let rejected = false;
  try {
    await client.chat.completions.create({ model: "no-such-model", messages, max_tokens: 1 });
  } catch (e) {
    rejected = e.status === 404 && e.code === "model_not_found";
  }
  check(rejected, "unknown model gives 404 model_not_found");
  console.log(`ok: ${model}: ${JSON.stringify(text)} (${chunks} chunks)`);
}

main().catch((e) => {
  console.error(e.message ?? e);
  process.exit(1);
});
