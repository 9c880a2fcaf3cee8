/** The player's WebSocket to the server, reconnecting forever with capped backoff. */

/** A frame from the server; commands may carry an `id` (cloud) and, with `asset&<id>`, the asset. */
export type Message = { type: string; command?: unknown; id?: unknown; asset?: unknown };

export class Channel {
  private socket: WebSocket | null = null;
  private retry: ReturnType<typeof setTimeout> | undefined;
  private failures = 0;
  private stopped = false;

  constructor(
    private readonly url: string,
    private readonly onMessage: (message: Message) => void,
    private readonly onOpen: () => void,
  ) {}

  get open(): boolean {
    return this.socket?.readyState === WebSocket.OPEN;
  }

  start(): void {
    clearTimeout(this.retry);
    this.stopped = false;
    let socket: WebSocket;
    try {
      socket = new WebSocket(this.url);
    } catch (error) {
      console.warn("[signate] websocket", error);
      this.scheduleRetry();
      return;
    }
    this.socket = socket;
    socket.onopen = () => {
      this.failures = 0;
      this.onOpen();
    };
    socket.onmessage = (event) => {
      if (typeof event.data !== "string") return;
      let message: unknown;
      try {
        message = JSON.parse(event.data);
      } catch {
        return;
      }
      if (typeof message === "object" && message !== null && typeof (message as Message).type === "string") {
        this.onMessage(message as Message);
      }
    };
    socket.onclose = () => {
      socket.onopen = socket.onmessage = socket.onclose = socket.onerror = null;
      if (this.socket === socket) this.socket = null;
      this.scheduleRetry();
    };
    socket.onerror = () => socket.close();
  }

  /** Closes the socket and stops reconnecting (an unpaired screen has no use for it). */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.retry);
    const socket = this.socket;
    this.socket = null;
    if (socket) {
      socket.onopen = socket.onmessage = socket.onclose = socket.onerror = null;
      socket.close();
    }
  }

  send(message: object): void {
    if (this.open) this.socket?.send(JSON.stringify(message));
  }

  private scheduleRetry(): void {
    clearTimeout(this.retry);
    if (this.stopped) return;
    // 0.5 s, 1 s, 2 s, 4 s, then 5 s forever, with a little jitter so a
    // room full of screens does not reconnect in lockstep.
    const base = Math.min(5000, 500 * 2 ** this.failures);
    this.failures = Math.min(this.failures + 1, 10);
    this.retry = setTimeout(() => this.start(), base * (0.8 + Math.random() * 0.2));
  }
}
