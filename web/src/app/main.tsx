// Entry: asks the server its mode (GET /healthz), then runs the device app (one screen,
// Anthias-compatible) or the cloud app (accounts, tenants, roles).
import { render } from "preact";
import { setCloud } from "./account";
import { CloudApp } from "./cloud";
import { serverMode } from "./cloudApi";
import { Toasts } from "./components";
import { DeviceApp } from "./device";
import "./styles.css";

const root = document.getElementById("app") as HTMLElement;
render(
  <main class="content">
    <p class="muted">Loading…</p>
  </main>,
  root,
);
void serverMode().then((mode) => {
  if (mode === "cloud") setCloud();
  render(mode === "cloud" ? <CloudApp /> : <DeviceApp />, root);
});
// Toasts live in their own root so they survive the app switching to the login page and back.
const toastRoot = document.body.appendChild(document.createElement("div"));
render(<Toasts />, toastRoot);
