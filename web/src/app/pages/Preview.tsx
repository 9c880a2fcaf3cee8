// Shows one asset as the screen would, inside the page.
import { type Asset } from "../api";
import { Dialog, errorText } from "../components";
import { kindOf } from "../format";

/**
 * A stored file's address: `/media/<id>` (in cloud mode the media cookie, set after every
 * token refresh, lets <img> and <video> through).
 */
function useStoredSrc(a: Asset): { src: string | null; error: string } {
  return { src: a.uri.startsWith("http") ? a.uri : `/media/${a.asset_id}`, error: "" };
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

export function Preview(props: { asset: Asset; onClose: () => void }) {
  const a = props.asset;
  const kind = kindOf(a.mimetype);
  const stored = useStoredSrc(a);
  const src = stored.src ?? "";
  let body;
  if (!stored.src) body = stored.error ? <p class="error">Could not load it: {stored.error}</p> : <p class="muted">Loading…</p>;
  else if (kind === "image") body = <img class="preview-media" src={src} alt={a.name} />;
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
        <p class="hint">Some websites refuse to be shown inside another page; if this stays blank it may still work on the screen.</p>
      </>
    );
  }
  return (
    <Dialog title={a.name} onClose={props.onClose} wide>
      {body}
      {stored.src ? (
        <p class="muted small uri">
          <a href={src} target="_blank" rel="noopener noreferrer">
            Open in a new tab
          </a>
        </p>
      ) : null}
    </Dialog>
  );
}
