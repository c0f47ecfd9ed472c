// The live event feed: server-sent events read with fetch(), because EventSource cannot
// send an Authorization header. Each message's id is its log position; after a dropped
// connection the feed resumes with Last-Event-ID, so no event is missed or repeated.

import { ApiError, authHeaders } from "./api.js";

const RETRY_MS = 2000;

function parseMessage(block) {
  const message = { id: null, data: "" };
  for (const line of block.split("\n")) {
    if (line.startsWith(":")) continue; // a comment (keepalive)
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
    if (field === "id") message.id = value;
    else if (field === "data") message.data += message.data ? `\n${value}` : value;
  }
  return message;
}

async function readMessages(response, onMessage) {
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value.replace(/\r\n?/g, "\n");
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      onMessage(parseMessage(buffer.slice(0, end)));
      buffer = buffer.slice(end + 2);
    }
  }
}

/** Follow the log after position `after`, calling onEvent(event) for each new event and
 * onState("live" | "reconnecting" | "signed out") as the connection changes. */
export async function follow(after, onEvent, onState, signal) {
  let last = after;
  while (!signal.aborted) {
    try {
      const response = await fetch("/api/v1/events/stream", {
        headers: { ...authHeaders(), "Last-Event-ID": String(last) }, signal,
      });
      if (!response.ok) throw new ApiError(response.status, await response.json());
      onState("live");
      await readMessages(response, (message) => {
        if (message.id !== null) last = Number(message.id);
        if (message.data) onEvent(JSON.parse(message.data));
      });
    } catch (error) {
      if (signal.aborted) return;
      if (error instanceof ApiError && error.status === 401) {
        onState("signed out");
        return;
      }
    }
    onState("reconnecting");
    await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
  }
}
