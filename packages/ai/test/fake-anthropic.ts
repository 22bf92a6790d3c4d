// A scripted stand-in for the Anthropic Messages API on 127.0.0.1 (random port), passed to the SDK as
// baseURL. Each request takes the next scripted reply (the last one repeats); every request is recorded.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: {
    model: string;
    max_tokens: number;
    system: string;
    messages: { role: string; content: string }[];
    tools: { name: string; input_schema: Record<string, unknown> }[];
    tool_choice: Record<string, unknown>;
    output_config?: Record<string, unknown>;
  };
}

export interface Reply {
  status?: number;
  headers?: Record<string, string>;
  body?: unknown;
  /** Wait this long before answering (timeouts). */
  delayMs?: number;
}

export type Script = Reply | ((request: RecordedRequest, index: number) => Reply);

export interface Usage {
  input_tokens?: number;
  output_tokens?: number;
  cache_creation_input_tokens?: number;
  cache_read_input_tokens?: number;
}

/** A successful Messages API reply whose content is one tool call (or the given blocks). */
export function toolReply(name: string, input: unknown, usage: Usage = {}, extraBlocks: unknown[] = []): Reply {
  return {
    status: 200,
    body: {
      id: 'msg_fake',
      type: 'message',
      role: 'assistant',
      model: 'claude-haiku-5-5',
      content: [...extraBlocks, { type: 'tool_use', id: `toolu_${Math.random().toString(36).slice(2, 10)}`, name, input }],
      stop_reason: 'tool_use',
      stop_sequence: null,
      usage: { input_tokens: 1000, output_tokens: 100, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, ...usage },
    },
  };
}

export function textReply(text: string, usage: Usage = {}): Reply {
  return {
    status: 200,
    body: {
      id: 'msg_fake',
      type: 'message',
      role: 'assistant',
      model: 'claude-haiku-5-5',
      content: [{ type: 'text', text }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: 1000, output_tokens: 100, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, ...usage },
    },
  };
}

export function errorReply(status: number, headers: Record<string, string> = {}): Reply {
  const type = status === 429 ? 'rate_limit_error' : status === 529 ? 'overloaded_error' : status >= 500 ? 'api_error' : 'invalid_request_error';
  return { status, headers, body: { type: 'error', error: { type, message: `fake ${status}` } } };
}

export class FakeAnthropic {
  readonly requests: RecordedRequest[] = [];
  private script: Script[] = [];
  private server: Server | null = null;
  private readonly sockets = new Set<import('node:net').Socket>();
  baseURL = '';

  /** Replies for the next requests, in order; the last one repeats. */
  reply(...script: Script[]): this {
    this.script = script;
    this.requests.length = 0;
    return this;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const request: RecordedRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: raw ? JSON.parse(raw) : {} };
        const index = this.requests.length;
        this.requests.push(request);
        const step = this.script[Math.min(index, this.script.length - 1)];
        const reply: Reply = typeof step === 'function' ? step(request, index) : (step ?? errorReply(500));
        const send = () => {
          if (res.destroyed) return;
          res.writeHead(reply.status ?? 200, { 'content-type': 'application/json', 'request-id': `req_${index}`, ...reply.headers });
          res.end(JSON.stringify(reply.body ?? {}));
        };
        if (reply.delayMs) setTimeout(send, reply.delayMs);
        else send();
      });
    });
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    this.baseURL = `http://127.0.0.1:${port}`;
    return this;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
