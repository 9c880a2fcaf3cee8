"""Starts the server and prints its pid and the milliseconds until /healthz first answers 200."""
import os, socket, subprocess, sys, time

binary, port, work = sys.argv[1], int(sys.argv[2]), sys.argv[3]
env = dict(os.environ, SIGNATE_LOG="warn")
t0 = time.perf_counter()
proc = subprocess.Popen([binary, "serve", "--listen", f"127.0.0.1:{port}", "--data-dir", f"{work}/data"],
                        env=env, stdout=subprocess.DEVNULL, stderr=open(f"{work}/server.log", "w"), cwd=work)
while True:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
            s.sendall(b"GET /healthz HTTP/1.0\r\n\r\n")
            if s.recv(16).startswith((b"HTTP/1.1 200", b"HTTP/1.0 200")):
                break
    except OSError:
        if proc.poll() is not None:
            sys.exit("server exited: see " + work + "/server.log")
        time.sleep(0.0005)
print(proc.pid, round((time.perf_counter() - t0) * 1000, 1))
