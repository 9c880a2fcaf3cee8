// Copying a secret link or key: the clipboard API where the page may use it, else the old way
// from a selected input (plain http on a LAN address has no clipboard API).

/** Copies `text`; false when the browser refused both ways. */
export async function copyText(text: string, input: HTMLInputElement | null): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    input?.select();
    return document.execCommand("copy");
  }
}
