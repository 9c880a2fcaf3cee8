export class Channel {
    url;
    onMessage;
    onOpen;
    socket = null;
    retry;
    failures = 0;
    stopped = false;
    constructor(url, onMessage, onOpen) {
        this.url = url;
        this.onMessage = onMessage;
        this.onOpen = onOpen;
    }
    get open() {
        return this.socket?.readyState === WebSocket.OPEN;
    }
    start() {
        clearTimeout(this.retry);
        this.stopped = false;
        let socket;
        try {
            socket = new WebSocket(this.url);
        }
        catch (error) {
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
            if (typeof event.data !== "string")
                return;
            let message;
            try {
                message = JSON.parse(event.data);
            }
            catch {
                return;
            }
            if (typeof message === "object" && message !== null && typeof message.type === "string") {
                this.onMessage(message);
            }
        };
        socket.onclose = () => {
            socket.onopen = socket.onmessage = socket.onclose = socket.onerror = null;
            if (this.socket === socket)
                this.socket = null;
            this.scheduleRetry();
        };
        socket.onerror = () => socket.close();
    }
    stop() {
        this.stopped = true;
        clearTimeout(this.retry);
        const socket = this.socket;
        this.socket = null;
        if (socket) {
            socket.onopen = socket.onmessage = socket.onclose = socket.onerror = null;
            socket.close();
        }
    }
    send(message) {
        if (this.open)
            this.socket?.send(JSON.stringify(message));
    }
    scheduleRetry() {
        clearTimeout(this.retry);
        if (this.stopped)
            return;
        const base = Math.min(5000, 500 * 2 ** this.failures);
        this.failures = Math.min(this.failures + 1, 10);
        this.retry = setTimeout(() => this.start(), base * (0.8 + Math.random() * 0.2));
    }
}
