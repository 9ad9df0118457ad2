// The one way the pages talk to the server: the JSON API under /api/v1 with
// the bearer token. Every refusal becomes an ApiError (the API's code,
// message and details), and a 401 ends the session: the token is dropped and
// the sign-in page shown (onSignedOut). The pages can therefore do nothing
// that curl cannot.

const tokenKey = "kaohe_token";

// token is the session's bearer token, kept in localStorage so that a
// reload or a second tab stays signed in.
export const token = {
  get: () => localStorage.getItem(tokenKey),
  set: t => localStorage.setItem(tokenKey, t),
  clear: () => localStorage.removeItem(tokenKey),
};

// ApiError is a request the server refused or never answered (status 0).
// details are the violations, each with its field's path.
export class ApiError extends Error {
  constructor(status, body, fallback) {
    const err = (body && body.error) || {};
    super(err.message || fallback || "请求失败");
    this.status = status;
    this.code = err.code;
    this.details = err.details || [];
    this.warnings = err.warnings || [];
  }
}

let signedOut = () => {};

// onSignedOut sets what happens when the server no longer knows the token
// (fn gets the 401 ApiError). A handler that catches errors rethrows a 401
// so that nothing draws over the sign-in page.
export function onSignedOut(fn) { signedOut = fn; }

function refused(status, body, fallback, path) {
  const e = new ApiError(status, body, fallback);
  if (status === 401 && path !== "/login") {
    token.clear();
    signedOut(e);
  }
  return e;
}

function parse(text) {
  try { return text ? JSON.parse(text) : null; } catch { return null; }
}

function authHeaders() {
  const h = { Accept: "application/json" };
  const t = token.get();
  if (t) h.Authorization = "Bearer " + t;
  return h;
}

// api calls the JSON API and returns the decoded answer; a refusal throws
// an ApiError.
export async function api(method, path, body) {
  const opts = { method, headers: authHeaders() };
  if (body !== undefined) {
    opts.headers["Content-Type"] = "application/json";
    opts.body = JSON.stringify(body);
  }
  let resp;
  try { resp = await fetch("/api/v1" + path, opts); } catch { throw new ApiError(0, null, "无法连接服务器，请检查网络后重试"); }
  const data = parse(await resp.text());
  if (!resp.ok) throw refused(resp.status, data, resp.statusText, path);
  return data;
}

// sendForm posts a multipart form with XMLHttpRequest, because fetch cannot
// report upload progress; onProgress gets the fraction sent.
export function sendForm(path, fd, onProgress) {
  return new Promise((resolve, reject) => {
    const x = new XMLHttpRequest();
    x.open("POST", "/api/v1" + path);
    for (const [k, v] of Object.entries(authHeaders())) x.setRequestHeader(k, v);
    if (onProgress) x.upload.onprogress = e => { if (e.lengthComputable) onProgress(e.loaded / e.total); };
    x.onload = () => {
      const data = parse(x.responseText);
      if (x.status >= 200 && x.status < 300) resolve(data);
      else reject(refused(x.status, data, x.statusText, path));
    };
    x.onerror = () => reject(new ApiError(0, null, "上传中断：网络连接失败，或文件超过服务器允许的大小，请检查后重试"));
    x.send(fd);
  });
}

// saveFile downloads path with the token and saves it under the (Chinese)
// name the server gives in filename*, else under fallback; it returns the
// name.
export async function saveFile(path, fallback) {
  let resp;
  try { resp = await fetch("/api/v1" + path, { headers: authHeaders() }); } catch { throw new ApiError(0, null, "无法连接服务器，请检查网络后重试"); }
  if (!resp.ok) throw refused(resp.status, parse(await resp.text()), "下载失败", path);
  let name = fallback;
  const m = (resp.headers.get("Content-Disposition") || "").match(/filename\*=UTF-8''([^;]+)/i);
  if (m) { try { name = decodeURIComponent(m[1]); } catch { /* keep the fallback */ } }
  const url = URL.createObjectURL(await resp.blob());
  const a = document.createElement("a");
  a.href = url; a.download = name; a.hidden = true;
  document.body.appendChild(a); a.click(); a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
  return name;
}

// fetchBlob reads path with the token as a Blob (for previews of evidence:
// a frame or an image cannot send the token itself).
export async function fetchBlob(path) {
  let resp;
  try { resp = await fetch("/api/v1" + path, { headers: authHeaders() }); } catch { throw new ApiError(0, null, "无法连接服务器，请检查网络后重试"); }
  if (!resp.ok) throw refused(resp.status, parse(await resp.text()), "读取失败", path);
  return resp.blob();
}
