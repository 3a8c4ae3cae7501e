// Google Drive v3 through @googleapis/drive and google-auth-library.
'use strict';

const { test, before } = require('node:test');
const assert = require('node:assert/strict');
const { drive: makeDrive } = require('@googleapis/drive');
const { OAuth2Client } = require('google-auth-library');
const { admin, authorizeInBrowser, baseUrl, counters, uniqueName } = require('./lib/harness');

const base = baseUrl('googledrive');
const redirectUri = 'http://127.0.0.1:9/callback';
const user = 'drive-conformance@example.com';

function newClient() {
  return new OAuth2Client({
    clientId: 'conformance-client.apps.googleusercontent.com',
    clientSecret: 'conformance-secret',
    redirectUri,
    // Refresh and retry once when the server says the token is no longer valid.
    forceRefreshOnFailure: true,
    endpoints: {
      oauth2AuthBaseUrl: `${base}/o/oauth2/v2/auth`,
      oauth2TokenUrl: `${base}/token`,
      oauth2RevokeUrl: `${base}/revoke`,
    },
  });
}

async function signIn(client) {
  const { codeVerifier, codeChallenge } = await client.generateCodeVerifierAsync();
  const url = client.generateAuthUrl({
    access_type: 'offline',
    prompt: 'consent',
    scope: ['https://www.googleapis.com/auth/drive'],
    code_challenge: codeChallenge,
    code_challenge_method: 'S256',
    state: 'state-123',
    login_hint: user,
  });
  assert.ok(url.startsWith(`${base}/o/oauth2/v2/auth?`));
  const { code, state } = await authorizeInBrowser(url, redirectUri);
  assert.equal(state, 'state-123');
  const { tokens } = await client.getToken({ code, codeVerifier });
  client.setCredentials(tokens);
  return tokens;
}

let auth;
let drive;
let tokens;
const upload = { rootUrl: `${base}/` };

before(async () => {
  auth = newClient();
  tokens = await signIn(auth);
  drive = makeDrive({ version: 'v3', auth, rootUrl: `${base}/` });
});

test('OAuth code flow with PKCE returns access and refresh tokens', async () => {
  assert.match(tokens.access_token, /^ya29\./);
  assert.ok(tokens.refresh_token, 'offline access gives a refresh token');
  assert.ok(tokens.expiry_date > Date.now());
});

test('the code exchange checks the PKCE verifier and is single-use', async () => {
  const client = newClient();
  const { codeChallenge } = await client.generateCodeVerifierAsync();
  const url = client.generateAuthUrl({
    access_type: 'offline', scope: ['https://www.googleapis.com/auth/drive'],
    code_challenge: codeChallenge, code_challenge_method: 'S256', login_hint: user,
  });
  const { code } = await authorizeInBrowser(url, redirectUri);
  await assert.rejects(client.getToken({ code, codeVerifier: 'not-the-verifier-'.repeat(3) }),
    (err) => err.response.status === 400 && err.response.data.error === 'invalid_grant');
  await assert.rejects(client.getToken({ code }), /invalid_grant/);
});

test('refresh grant issues a new access token', async () => {
  const client = newClient();
  client.setCredentials({ refresh_token: tokens.refresh_token });
  const { token } = await client.getAccessToken();
  assert.match(token, /^ya29\./);
  assert.notEqual(token, tokens.access_token);
});

test('account info: userinfo and about', async () => {
  const info = await auth.request({ url: `${base}/oauth2/v3/userinfo` });
  assert.equal(info.data.email, user);
  const about = await drive.about.get({ fields: 'user(emailAddress,displayName),storageQuota' });
  assert.equal(about.data.user.emailAddress, user);
  assert.ok(about.data.storageQuota.limit);
  assert.equal(about.data.kind, undefined, 'fields limits the response');
  await assert.rejects(drive.about.get({}), (err) => err.status === 400);
});

let folderId;
let fileId;
const firstContent = 'first version of the report\n';

test('upload a file with multipart media upload', async () => {
  const folder = await drive.files.create({
    requestBody: { name: uniqueName('folder'), mimeType: 'application/vnd.google-apps.folder' },
    fields: 'id,mimeType',
  });
  folderId = folder.data.id;
  const res = await drive.files.create({
    requestBody: { name: 'report.txt', parents: [folderId] },
    media: { mimeType: 'text/plain', body: firstContent },
    fields: 'id,name,size,md5Checksum,parents,headRevisionId',
  }, upload);
  fileId = res.data.id;
  assert.equal(res.data.name, 'report.txt');
  assert.equal(res.data.size, String(Buffer.byteLength(firstContent)));
  assert.deepEqual(res.data.parents, [folderId]);
  assert.match(res.data.md5Checksum, /^[0-9a-f]{32}$/);
});

test('metadata honours fields', async () => {
  const plain = await drive.files.get({ fileId });
  assert.deepEqual(Object.keys(plain.data).sort(), ['id', 'kind', 'mimeType', 'name']);
  const res = await drive.files.get({
    fileId,
    fields: 'id,name,size,sha256Checksum,headRevisionId,version,modifiedTime,trashed,webViewLink,thumbnailLink',
  });
  assert.equal(res.data.id, fileId);
  assert.equal(res.data.trashed, false);
  assert.match(res.data.sha256Checksum, /^[0-9a-f]{64}$/);
  assert.equal(res.data.mimeType, undefined);
  assert.ok(res.data.webViewLink.startsWith(base));
  await assert.rejects(drive.files.get({ fileId: 'no-such-file' }),
    (err) => err.status === 404 && err.response.data.error.errors[0].reason === 'notFound');
});

test('folder listing across pages', async () => {
  const folder = `/${uniqueName('paged')}`;
  const files = [];
  for (let i = 0; i < 25; i++) files.push({ path: `${folder}/item-${i}.txt`, content: `item ${i}` });
  await admin('googledrive', 'files', { user, files });
  const found = await admin('googledrive', `files?user=${encodeURIComponent(user)}&path=${encodeURIComponent(folder)}`);
  const names = [];
  let pageToken;
  let pages = 0;
  do {
    const res = await drive.files.list({
      q: `'${found.id}' in parents and trashed = false`,
      pageSize: 10,
      pageToken,
      fields: 'nextPageToken,files(id,name)',
    });
    pages++;
    assert.ok(res.data.files.length <= 10);
    for (const f of res.data.files) names.push(f.name);
    pageToken = res.data.nextPageToken;
  } while (pageToken);
  assert.equal(pages, 3);
  assert.equal(new Set(names).size, 25);
});

test('download with alt=media, whole and by Range', async () => {
  const res = await drive.files.get({ fileId, alt: 'media' }, { responseType: 'text' });
  assert.equal(res.data, firstContent);
  const part = await drive.files.get({ fileId, alt: 'media' },
    { responseType: 'text', headers: { Range: 'bytes=0-4' } });
  assert.equal(part.status, 206);
  assert.equal(part.data, 'first');
});

test('thumbnail link of a private file needs a credentialed request', async () => {
  const res = await drive.files.get({ fileId, fields: 'thumbnailLink,hasThumbnail' });
  assert.equal(res.data.hasThumbnail, true);
  assert.ok(res.data.thumbnailLink.startsWith(base));
  const anonymous = await fetch(res.data.thumbnailLink);
  assert.equal(anonymous.status, 403);
  // The client library's own credentials make the request credentialed.
  const img = await auth.request({ url: res.data.thumbnailLink, responseType: 'arraybuffer' });
  assert.equal(img.status, 200);
  const h = img.headers;
  assert.equal(typeof h.get === 'function' ? h.get('content-type') : h['content-type'], 'image/png');
  const bytes = Buffer.from(img.data);
  assert.equal(bytes.subarray(1, 4).toString(), 'PNG');
});

test('native Google document: no bytes, PDF and text export', async () => {
  const seeded = await admin('googledrive', 'files', {
    user, files: [{ path: `/${uniqueName('notes')}`, native: true, content: 'Meeting notes\nline two' }],
  });
  const docId = seeded.files[0].id;
  const meta = await drive.files.get({ fileId: docId, fields: 'mimeType,size,exportLinks' });
  assert.equal(meta.data.mimeType, 'application/vnd.google-apps.document');
  assert.equal(meta.data.size, undefined);
  assert.ok(meta.data.exportLinks['application/pdf'].startsWith(base));
  await assert.rejects(drive.files.get({ fileId: docId, alt: 'media' }),
    (err) => err.status === 403 && err.response.data.error.errors[0].reason === 'fileNotDownloadable');
  const pdf = await drive.files.export({ fileId: docId, mimeType: 'application/pdf' },
    { responseType: 'arraybuffer' });
  const pdfBytes = Buffer.from(pdf.data);
  assert.equal(pdfBytes.subarray(0, 5).toString(), '%PDF-');
  assert.ok(pdfBytes.toString().includes('%%EOF'));
  const text = await drive.files.export({ fileId: docId, mimeType: 'text/plain' },
    { responseType: 'text' });
  assert.equal(text.data, 'Meeting notes\nline two');
  await assert.rejects(drive.files.export({ fileId, mimeType: 'application/pdf' }),
    (err) => err.status === 403);
});

// The error body of a failed export: gaxios leaves it as the response type
// asked for (text, or an ArrayBuffer).
function errorOf(err) {
  const data = err.response.data;
  if (data instanceof ArrayBuffer) return JSON.parse(Buffer.from(data).toString()).error;
  return typeof data === 'string' ? JSON.parse(data).error : data.error;
}

function refusedConversion(err) {
  assert.equal(err.status, 400);
  const e = errorOf(err);
  assert.equal(e.message, 'The requested conversion is not supported.');
  assert.equal(e.errors[0].reason, 'badRequest');
  assert.equal(e.errors[0].location, 'convertTo');
  return true;
}

test('native types export only to their own formats', async () => {
  const folder = `/${uniqueName('natives')}`;
  const seeded = await admin('googledrive', 'files', {
    user,
    files: [
      { path: `${folder}/Budget`, native: true, mime_type: 'application/vnd.google-apps.spreadsheet',
        content: 'item,cost\nlynx,3\n\f\nsecond,sheet' },
      { path: `${folder}/Deck`, native: true, mime_type: 'application/vnd.google-apps.presentation',
        content: 'Title slide' },
      { path: `${folder}/Sketch`, native: true, mime_type: 'application/vnd.google-apps.drawing',
        content: 'a box' },
    ],
  });
  const [sheetId, deckId, drawingId] = seeded.files.map((f) => f.id);
  const csv = await drive.files.export({ fileId: sheetId, mimeType: 'text/csv' }, { responseType: 'text' });
  assert.equal(csv.data, 'item,cost\nlynx,3');
  await assert.rejects(
    drive.files.export({ fileId: sheetId, mimeType: 'text/plain' }, { responseType: 'text' }),
    refusedConversion);
  const meta = await drive.files.get({ fileId: sheetId, fields: 'exportLinks' });
  assert.ok(meta.data.exportLinks['text/csv']);
  assert.equal(meta.data.exportLinks['text/plain'], undefined);
  const deck = await drive.files.export({ fileId: deckId, mimeType: 'text/plain' }, { responseType: 'text' });
  assert.equal(deck.data, 'Title slide');
  await assert.rejects(
    drive.files.export({ fileId: drawingId, mimeType: 'text/plain' }, { responseType: 'arraybuffer' }),
    refusedConversion);
  const png = await drive.files.export({ fileId: drawingId, mimeType: 'image/png' },
    { responseType: 'arraybuffer' });
  assert.equal(Buffer.from(png.data).subarray(1, 4).toString(), 'PNG');
  const about = await drive.about.get({ fields: 'exportFormats' });
  assert.ok(!about.data.exportFormats['application/vnd.google-apps.spreadsheet'].includes('text/plain'));
});

test('a revision of a native document exports its own text after a rename and an edit', async () => {
  const seeded = await admin('googledrive', 'files', {
    user, files: [{ path: `/${uniqueName('plan')}`, native: true, content: 'old plan: heron' }],
  });
  const docId = seeded.files[0].id;
  await admin('googledrive', 'changes', { id: docId, action: 'rename', name: 'Plan (renamed)' });
  await admin('googledrive', 'changes', { id: docId, action: 'content', content: 'new plan: egret' });
  const meta = await drive.files.get({ fileId: docId, fields: 'headRevisionId,name' });
  assert.equal(meta.data.headRevisionId, undefined);
  const list = await drive.revisions.list({ fileId: docId, fields: 'revisions(id,exportLinks)' });
  assert.equal(list.data.revisions.length, 2);
  const first = list.data.revisions[0];
  const rev = await drive.revisions.get({ fileId: docId, revisionId: first.id, fields: 'id,exportLinks' });
  assert.equal(rev.data.exportLinks['text/plain'], first.exportLinks['text/plain']);
  const old = await auth.request({ url: first.exportLinks['text/plain'], responseType: 'text' });
  assert.equal(old.data, 'old plan: heron');
  await assert.rejects(drive.revisions.get({ fileId: docId, revisionId: 'no-such-revision' }),
    (err) => err.status === 404 && err.response.data.error.message === 'Revision not found: no-such-revision.');
});

test('retention: a purged revision is notFound', async () => {
  await admin('googledrive', 'users', { email: user, max_versions: 1 });
  try {
    const seeded = await admin('googledrive', 'files', {
      user, files: [{ path: `/${uniqueName('purged')}.txt`, revisions: ['old bytes', 'new bytes'] }],
    });
    const id = seeded.files[0].id;
    const item = await admin('googledrive', `files?user=${encodeURIComponent(user)}&id=${encodeURIComponent(id)}`);
    const oldRevision = item.revisions[0].id;
    const list = await drive.revisions.list({ fileId: id, fields: 'revisions(id)' });
    assert.deepEqual(list.data.revisions.map((r) => r.id), [seeded.files[0].revision]);
    await assert.rejects(drive.revisions.get({ fileId: id, revisionId: oldRevision, alt: 'media' }),
      (err) => err.status === 404 &&
        errorOf(err).message === `Revision not found: ${oldRevision}.` &&
        errorOf(err).errors[0].reason === 'notFound');
  } finally {
    await admin('googledrive', 'users', { email: user, max_versions: 100 });
  }
});

test('keepForever: at most 200 revisions of a file, and never undone', async () => {
  const revisions = [];
  for (let i = 0; i < 201; i++) revisions.push(`revision ${i}`);
  // Unpinned revisions past 100 are purged; this test is about pinning.
  await admin('googledrive', 'users', { email: user, max_versions: 0 });
  try {
    await keepForeverLimit(revisions);
  } finally {
    await admin('googledrive', 'users', { email: user, max_versions: 100 });
  }
});

async function keepForeverLimit(revisions) {
  const seeded = await admin('googledrive', 'files', {
    user, files: [{ path: `/${uniqueName('kept')}.txt`, revisions }],
  });
  const id = seeded.files[0].id;
  const list = await drive.revisions.list({ fileId: id, pageSize: 1000, fields: 'revisions(id)' });
  assert.equal(list.data.revisions.length, 201);
  for (let i = 0; i < 200; i++) {
    await drive.revisions.update({
      fileId: id, revisionId: list.data.revisions[i].id, requestBody: { keepForever: true },
    });
  }
  await assert.rejects(drive.revisions.update({
    fileId: id, revisionId: list.data.revisions[200].id, requestBody: { keepForever: true },
  }), (err) => err.status === 400 && err.response.data.error.errors[0].reason === 'badRequest');
  await assert.rejects(drive.revisions.update({
    fileId: id, revisionId: list.data.revisions[0].id, requestBody: { keepForever: false },
  }), (err) => err.status === 400 &&
    err.response.data.error.errors[0].reason === 'illegalKeepForeverModification');
}

test('revisions: update creates one, keepForever pins it', async () => {
  const updated = await drive.files.update({
    fileId,
    media: { mimeType: 'text/plain', body: 'second version\n' },
    fields: 'id,headRevisionId,size',
  }, upload);
  assert.equal(updated.data.size, String(Buffer.byteLength('second version\n')));
  const list = await drive.revisions.list({ fileId, fields: 'revisions(id,keepForever,md5Checksum,size)' });
  assert.equal(list.data.revisions.length, 2);
  assert.equal(list.data.revisions[1].id, updated.data.headRevisionId);
  const pinned = await drive.revisions.update({
    fileId, revisionId: list.data.revisions[0].id, requestBody: { keepForever: true },
    fields: 'id,keepForever',
  });
  assert.equal(pinned.data.keepForever, true);
  const old = await drive.revisions.get({ fileId, revisionId: list.data.revisions[0].id, alt: 'media' },
    { responseType: 'text' });
  assert.equal(old.data, firstContent);
});

test('sharing: no link until a permission is created', async () => {
  const before = await drive.files.get({ fileId, fields: 'shared' });
  assert.equal(before.data.shared, false);
  await drive.permissions.create({ fileId, requestBody: { type: 'anyone', role: 'reader' } });
  const after = await drive.files.get({ fileId, fields: 'shared,thumbnailLink' });
  assert.equal(after.data.shared, true);
  // Shared publicly, the thumbnail needs no credentials.
  assert.equal((await fetch(after.data.thumbnailLink)).status, 200);
});

test('change feed from a start page token after outside changes', async () => {
  const start = await drive.changes.getStartPageToken({});
  const token = start.data.startPageToken;
  const seeded = await admin('googledrive', 'files', {
    user, files: [{ path: `/${uniqueName('feed')}/a.txt`, content: 'a' }],
  });
  const victim = seeded.files[0].id;
  await admin('googledrive', 'changes', { id: fileId, action: 'rename', name: 'renamed.txt' });
  await admin('googledrive', 'changes', { id: fileId, action: 'content', content: 'edited outside' });
  await admin('googledrive', 'changes', { id: victim, action: 'delete' });
  const seen = new Map();
  let pageToken = token;
  let newStart;
  let pages = 0;
  while (pageToken) {
    const res = await drive.changes.list({
      pageToken, pageSize: 1, fields: 'nextPageToken,newStartPageToken,changes(fileId,removed,file(name,size))',
    });
    pages++;
    for (const c of res.data.changes) seen.set(c.fileId, c);
    pageToken = res.data.nextPageToken;
    newStart = res.data.newStartPageToken;
  }
  assert.ok(pages >= 3, 'pageSize 1 pages the feed');
  assert.ok(newStart);
  assert.equal(seen.get(fileId).file.name, 'renamed.txt');
  assert.equal(seen.get(fileId).file.size, String('edited outside'.length));
  assert.equal(seen.get(victim).removed, true);
  const quiet = await drive.changes.list({ pageToken: newStart });
  assert.equal(quiet.data.changes.length, 0);
  await assert.rejects(drive.changes.list({ pageToken: 'bogus' }), (err) => err.status === 400);
});

test('an expired access token is refreshed by the client library', async () => {
  const before = (await counters('googledrive'))['oauth.token'] || 0;
  const old = auth.credentials.access_token;
  await admin('googledrive', 'tokens/expire', { user });
  const res = await drive.files.get({ fileId, fields: 'id' });
  assert.equal(res.data.id, fileId);
  assert.notEqual(auth.credentials.access_token, old);
  const after = (await counters('googledrive'))['oauth.token'];
  assert.equal(after, before + 1);
  const stale = await fetch(`${base}/drive/v3/files/${fileId}`, { headers: { Authorization: `Bearer ${old}` } });
  assert.equal(stale.status, 401);
  assert.equal((await stale.json()).error.errors[0].reason, 'authError');
});

test('a short token lifetime makes the client refresh before the call', async () => {
  await admin('googledrive', 'token-ttl', { seconds: 60 });
  try {
    const client = newClient();
    await signIn(client);
    assert.ok(client.credentials.expiry_date - Date.now() <= 60000);
    const d = makeDrive({ version: 'v3', auth: client, rootUrl: `${base}/` });
    const before = (await counters('googledrive'))['oauth.token'];
    await d.files.get({ fileId, fields: 'id' });
    assert.equal((await counters('googledrive'))['oauth.token'], before + 1);
  } finally {
    await admin('googledrive', 'token-ttl', { seconds: 3600 });
  }
});

test('429 surfaces with the Drive error body; a single 429 is retried', async () => {
  await admin('googledrive', 'faults', { path: '^/drive/v3/files$', status: 429, count: 1, retry_after: 0 });
  const ok = await drive.files.list({ pageSize: 1 });
  assert.equal(ok.status, 200);
  await admin('googledrive', 'faults', { path: '^/drive/v3/files$', status: 429, count: 1, retry_after: 2 });
  await assert.rejects(drive.files.list({ pageSize: 1 }, { retry: false }), (err) => {
    assert.equal(err.status, 429);
    assert.equal(err.response.data.error.errors[0].reason, 'rateLimitExceeded');
    const h = err.response.headers;
    assert.equal(typeof h.get === 'function' ? h.get('retry-after') : h['retry-after'], '2');
    return true;
  });
});

test('revoked access answers invalid_grant on refresh', async () => {
  const client = newClient();
  const t = await signIn(client);
  await client.revokeToken(t.access_token);
  const fresh = newClient();
  fresh.setCredentials({ refresh_token: t.refresh_token });
  await assert.rejects(fresh.getAccessToken(), /invalid_grant/);
});
