// Shows one asset as the screen would, inside the page.
import { type Asset } from "../api";
import { Dialog } from "../components";
import { kindOf } from "../format";
import { pageCheckOf } from "../playing";

/**
 * Where the browser loads the asset from: its own URL, or `/media/<id>` for a stored file (in
 * cloud mode the media cookie, set after every token refresh, lets <img> and <video> through).
 */
export function sourceOf(a: Asset): string {
  return a.uri.startsWith("http") ? a.uri : `/media/${a.asset_id}`;
}

function youtubeEmbed(uri: string): string | null {
  try {
    const u = new URL(uri);
    const id = u.hostname.endsWith("youtu.be") ? u.pathname.slice(1) : u.searchParams.get("v");
    return id ? `https://www.youtube-nocookie.com/embed/${encodeURIComponent(id)}` : null;
  } catch {
    return null;
  }
}

/** What the server's check of a web page found, or what a blank preview means when unchecked. */
function frameHint(a: Asset): string {
  const check = pageCheckOf(a);
  if (check?.status === "not_frameable")
    return "This site does not allow being shown inside another page: screens skip it unless they run the Signate kiosk extension. Choose another page, or use the kiosk.";
  if (check?.status === "unreachable") return `The server could not reach this page${check.reason ? ` (${check.reason})` : ""}: screens skip it. Check the address.`;
  if (check?.status === "ok") return "The server checked this page: it can be shown on the screens.";
  return "Some websites refuse to be shown inside another page; if this stays blank, screens skip it unless they run the Signate kiosk extension.";
}

export function Preview(props: { asset: Asset; onClose: () => void }) {
  const a = props.asset;
  const kind = kindOf(a.mimetype);
  const src = sourceOf(a);
  let body;
  if (kind === "image") body = <img class="preview-media" src={src} alt={a.name} />;
  else if (kind === "video" || kind === "streaming")
    body = src.startsWith("rtsp") ? (
      <p>This stream ({a.uri}) can only be played by the screen, not in a browser.</p>
    ) : (
      <video class="preview-media" src={src} controls muted playsInline />
    );
  else {
    const frame = kind === "youtube_asset" ? youtubeEmbed(a.uri) ?? a.uri : a.uri;
    body = (
      <>
        <iframe class="preview-frame" src={frame} title={`Preview of ${a.name}`} sandbox="allow-scripts allow-same-origin allow-forms" />
        <p class="hint">{frameHint(a)}</p>
      </>
    );
  }
  return (
    <Dialog title={a.name} onClose={props.onClose} wide>
      {body}
      <p class="muted small uri">
        <a href={src} target="_blank" rel="noopener noreferrer">
          Open in a new tab
        </a>
      </p>
    </Dialog>
  );
}
