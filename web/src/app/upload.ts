// Resumable chunked upload to POST /api/v2/file_asset: 8 MB chunks, each
// retried with backoff, so a dropped connection does not restart a big video.
import { ApiError, postWithProgress, type Uploaded } from "./api";

export const CHUNK = 8 * 1024 * 1024;
const RETRIES = 5;

function newUploadId(): string {
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function uploadFile(
  file: File,
  onProgress: (fraction: number) => void,
  chunkSize = CHUNK,
): Promise<Uploaded> {
  const total = file.size;
  const id = newUploadId();
  let last: Uploaded | null = null;
  if (total === 0) throw new ApiError(400, "This file is empty.");
  for (let start = 0; start < total; start += chunkSize) {
    const end = Math.min(start + chunkSize, total) - 1;
    const blob = file.slice(start, end + 1);
    for (let attempt = 0; ; attempt++) {
      const form = new FormData();
      form.append("file_upload", blob, file.name);
      try {
        last = await postWithProgress<Uploaded>(
          "/api/v2/file_asset",
          form,
          (sent) => onProgress(Math.min(1, (start + Math.min(sent, blob.size)) / total)),
          { "Content-Range": `bytes ${start}-${end}/${total}`, "X-Upload-Id": id },
        );
        break;
      } catch (e) {
        // Only network failures and server hiccups are worth another try.
        const retriable = e instanceof ApiError && (e.status === 0 || e.status >= 500) && e.status !== 507;
        if (!retriable || attempt >= RETRIES) throw e;
        await wait(Math.min(8000, 500 * 2 ** attempt));
      }
    }
  }
  onProgress(1);
  if (!last) throw new ApiError(0, "Upload failed.");
  return last;
}
