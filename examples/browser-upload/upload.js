// The page's side: ask our back end for an upload slot, send the file straight to the image service
// with a progress bar, say in words why it was refused, then show the image at the screen's density.
import { imageInfoUrl, imageUrl, placeholderDataUrl, srcSet } from '/client.js';

const form = document.querySelector('#upload');
const fileInput = document.querySelector('#file');
const sendButton = document.querySelector('#send');
const progress = document.querySelector('#progress');
const status = document.querySelector('#status');
const result = document.querySelector('#result');
const photo = document.querySelector('#photo');
const caption = document.querySelector('#caption');

// A listener on xhr.upload makes the browser send a CORS preflight first (XHR standard); `?progress=off`
// leaves it out, and the upload is then a "simple" request that goes out at once.
const showProgress = new URLSearchParams(location.search).get('progress') !== 'off';
/** Width of the image on the page, in CSS pixels; the service renders 1x and 2x of it. */
const DISPLAY_WIDTH = 480;

/** What the service's error codes mean for the person at the keyboard. */
const REFUSALS = {
  TOKEN_REJECTED: 'The upload token was refused: it has expired or was already used. Upload again to get a new one.',
  PAYLOAD_TOO_LARGE: 'The file is too large for the image service.',
  IMAGE_TOO_LARGE: 'The image has more pixels than the image service accepts.',
  UNSUPPORTED_IMAGE: 'This file is not an image the service can read.',
};

/** { id, token, expiresAt, uploadUrl, imagesUrl } for the next upload, from our back end. */
let slot;

function say(text, refused = false) {
  status.textContent = text;
  status.classList.toggle('refused', refused);
}

async function newSlot() {
  const response = await fetch('/api/upload-slot', { method: 'POST' });
  const body = await response.json();
  if (!response.ok) throw new Error(body.error.message);
  return body;
}

// The token is fetched when a file is picked, so a person who waits too long sees what an expired one does.
fileInput.addEventListener('change', async () => {
  slot = undefined;
  sendButton.disabled = true;
  if (fileInput.files.length === 0) return;
  say('Getting an upload token…');
  try {
    slot = await newSlot();
  } catch (error) {
    return say(`No upload token: ${error.message}.`, true);
  }
  say(`Ready to upload as ${slot.id}; the token is good until `);
  const expires = document.createElement('time');
  expires.dateTime = slot.expiresAt;
  expires.textContent = new Date(slot.expiresAt).toLocaleTimeString();
  status.append(expires, '.');
  sendButton.disabled = false;
});

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  sendButton.disabled = true;
  result.hidden = true;
  say(`Uploading ${fileInput.files[0].name}…`);
  try {
    const used = slot ?? (await newSlot());
    slot = undefined; // one token per upload: trying again gets a new one
    const answer = await upload(fileInput.files[0], used);
    if (answer.status === 201) return await show(used, answer.body);
    say(answer.status === 0 ? await unreadableAnswer(used) : refusal(answer), true);
  } catch (error) {
    say(`No upload token: ${error.message}.`, true);
  }
  sendButton.disabled = false;
});

/** Resolves with the status and JSON body of the service's answer; status 0 when the browser could not read one. */
function upload(file, { token, uploadUrl }) {
  const body = new FormData();
  body.append('token', token); // before the file, so the service checks it before reading the file
  body.append('image', file);
  const xhr = new XMLHttpRequest();
  xhr.open('POST', uploadUrl);
  xhr.responseType = 'json';
  if (showProgress) {
    progress.value = 0;
    xhr.upload.addEventListener('progress', (e) => e.lengthComputable && (progress.value = e.loaded / e.total));
  } else {
    progress.removeAttribute('value'); // indeterminate
  }
  return new Promise((resolve) => {
    xhr.addEventListener('load', () => resolve({ status: xhr.status, body: xhr.response }));
    xhr.addEventListener('error', () => resolve({ status: 0 }));
    xhr.send(body);
  });
}

function refusal({ status: code, body }) {
  const error = body?.error ?? { code: 'UNKNOWN', message: `HTTP ${code}` };
  return `${REFUSALS[error.code] ?? `The image service refused the upload (${code}).`} It said: “${error.message}”.`;
}

/**
 * The browser hides why it could not read an answer. If the service answers a no-cors request (which
 * the page may send but not read), it is up, and the likely reason is that it does not allow this origin.
 */
async function unreadableAnswer({ imagesUrl }) {
  const reachable = await fetch(`${imagesUrl}/healthz`, { mode: 'no-cors', cache: 'no-store' }).then(() => true, () => false);
  return reachable
    ? `The browser did not let this page read the image service's answer: this page's origin, ${location.origin}, ` +
        `is not among the service's allowed origins (CORS_ALLOWED_ORIGINS).`
    : `The image service at ${imagesUrl} cannot be reached.`;
}

/**
 * Lays the image out from its info (`/{id}.json`: size, placeholder) before it loads: the ThumbHash, drawn as a
 * tiny PNG, fills the box as a background until the rendition covers it, so the page neither jumps nor stays blank.
 */
async function show({ id, imagesUrl }, stored) {
  const context = { baseUrl: imagesUrl };
  const box = { width: DISPLAY_WIDTH, format: 'webp' };
  progress.value = 1;
  say(`Uploaded: ${stored.original_width}×${stored.original_height} ${stored.format}, ${stored.bytes} bytes.`);
  const info = await (await fetch(imageInfoUrl(id, context))).json();
  photo.width = DISPLAY_WIDTH;
  photo.height = Math.round((DISPLAY_WIDTH * info.height) / info.width);
  const placeholder = placeholderDataUrl(info);
  if (placeholder !== undefined) photo.style.background = `url("${placeholder}") center / cover no-repeat`;
  photo.dataset.placeholder = placeholder ?? '';
  photo.srcset = srcSet(id, { ...box, densities: [1, 2] }, context);
  photo.src = imageUrl(id, box, context);
  caption.textContent = `Rendered ${DISPLAY_WIDTH} px wide for this screen's density: ${id}`;
  result.hidden = false;
}

photo.addEventListener('load', () => (photo.dataset.loaded = 'true'));
photo.addEventListener('error', () => say(`The image service did not deliver ${photo.currentSrc}.`, true));
