// Starts oauth2-mock-server on a free loopback port and prints
// {"url": "http://127.0.0.1:PORT"} on one line; stops on SIGTERM.
import { randomUUID } from 'node:crypto';
import { OAuth2Server } from 'oauth2-mock-server';

const server = new OAuth2Server();
await server.issuer.keys.generate('RS256');
// Tokens signed in the same second would be identical: make each unique,
// record which grant produced it so tests can tell a refresh happened, and
// whether the client sent a PKCE code_verifier (the server checks it against
// the challenge when present, so a token issued with pkce=true proves a match).
server.service.on('beforeTokenSigning', (token, req) => {
  token.payload.jti = randomUUID();
  token.payload.grant = req.body && req.body.grant_type;
  token.payload.pkce = Boolean(req.body && typeof req.body.code_verifier === 'string');
});
await server.start(0, '127.0.0.1');
const url = new URL(server.issuer.url);
url.hostname = '127.0.0.1';
console.log(JSON.stringify({ url: url.origin }));
process.on('SIGTERM', async () => {
  await server.stop();
  process.exit(0);
});
