// A headless OpenID Connect provider for the Klanten test suite. NEVER for production.
//
// Built on the certified `oidc-provider` package. Login and consent complete by themselves:
// whoever opens the authorization endpoint is signed in as the "next login" a test chose
// through the control endpoint:
//
//   POST /__test/next-login  {"sub": "...", "acr": "...", "claims": {...}, "authTime": 1700000000,
//                             "userinfoOnly": ["bsn"]}
//   GET  /__test/next-login  → the current choice
//   GET  /__test/health      → 200 when the provider is up
//
// The chosen `acr` and claims end up in the ID token (conformIdTokenClaims: false), with
// `auth_time`. Every authorization request starts without a provider session, so each sign-in
// uses the current "next login". Clients are registered from the command line (JSON), with
// any redirect URI on 127.0.0.1/localhost/testserver allowed (the live server's port varies).
//
// Usage: node server.js --port 0 --clients '[{"client_id": "...", "client_secret": "..."}]'
// Prints one line "LISTENING <issuer>" on stdout when ready.

import { generateKeyPairSync } from 'node:crypto';
import http from 'node:http';
import { parseArgs } from 'node:util';

import Provider from 'oidc-provider';

const { values: args } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '0' },
    clients: { type: 'string', default: '[]' },
  },
});

// the assurance levels this provider may send (DigiD, eHerkenning, eIDAS and test aliases)
const SAML = 'urn:oasis:names:tc:SAML:2.0:ac:classes:';
const EH = 'urn:etoegang:core:assurance-class:';
const ACR_VALUES = [
  `${SAML}PasswordProtectedTransport`,
  `${SAML}MobileTwoFactorContract`,
  `${SAML}Smartcard`,
  `${SAML}SmartcardPKI`,
  `${EH}loa1`, `${EH}loa2`, `${EH}loa2plus`, `${EH}loa3`, `${EH}loa4`,
  'http://eidas.europa.eu/LoA/low',
  'http://eidas.europa.eu/LoA/substantial',
  'http://eidas.europa.eu/LoA/high',
  'loa1', 'loa2', 'loa3', 'loa4', 'onbekend-niveau',
];
// claims a test may set; all of them are released with the `openid` scope
const CUSTOM_CLAIMS = [
  'bsn', 'kvk', 'vestigingsnummer', 'roles', 'groups', 'email', 'email_verified',
  'given_name', 'family_name', 'name', 'preferred_username',
];

let nextLogin = { sub: 'test-gebruiker', acr: `${SAML}MobileTwoFactorContract`, claims: {} };

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: 'test-key-1', use: 'sig', alg: 'RS256' };

const clients = JSON.parse(args.clients).map((client) => ({
  grant_types: ['authorization_code'],
  response_types: ['code'],
  token_endpoint_auth_method: 'client_secret_post',
  require_auth_time: true,
  redirect_uris: ['http://testserver/oidc/callback/'],
  post_logout_redirect_uris: ['http://testserver/'],
  ...client,
}));

function page(title, body) {
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head>`
    + `<body><main>${body}</main></body></html>`;
}

function testHost(url) {
  try {
    const { hostname, protocol } = new URL(url);
    return protocol === 'http:' && ['127.0.0.1', 'localhost', 'testserver'].includes(hostname);
  } catch {
    return false;
  }
}

function start(issuer, server) {
  const provider = new Provider(issuer, {
    clients,
    jwks: { keys: [signingKey] },
    acrValues: ACR_VALUES,
    claims: {
      auth_time: null,
      sid: null,
      // `acr` with the openid scope: always in the ID token, also without acr_values
      openid: ['sub', 'acr', ...CUSTOM_CLAIMS],
      email: ['email', 'email_verified'],
      profile: ['given_name', 'family_name', 'name', 'preferred_username'],
    },
    conformIdTokenClaims: false,
    findAccount: async (ctx, sub) => ({
      accountId: sub,
      async claims(use) {
        const claims = { ...(nextLogin.sub === sub ? nextLogin.claims : {}) };
        // claims a test wants at the userinfo endpoint only
        if (use === 'id_token') {
          for (const name of nextLogin.userinfoOnly || []) delete claims[name];
        }
        return { ...claims, sub };
      },
    }),
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: {
        enabled: true,
        // confirm the sign-out at once (the form needs a submit with logout=yes)
        logoutSource: async (ctx, form) => {
          ctx.body = page(
            'Uitloggen',
            `${form}<button type="submit" form="op.logoutForm" name="logout" value="yes"`
              + ' id="logout">Uitloggen</button>'
              + '<script>document.getElementById("logout").click();</script>',
          );
        },
        postLogoutSuccessSource: async (ctx) => {
          ctx.body = page('Uitgelogd', '<h1>Uitgelogd bij de test-provider</h1>');
        },
      },
    },
    pkce: { required: () => false },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    cookies: { keys: ['test-only-cookie-key-not-secret'] },
    ttl: {
      AccessToken: 600, AuthorizationCode: 60, IdToken: 600, Interaction: 600,
      Session: 600, Grant: 600,
    },
    renderError: async (ctx, out) => {
      ctx.type = 'html';
      ctx.body = page('Fout', `<h1>${out.error}</h1><p>${out.error_description || ''}</p>`);
    },
  });
  provider.proxy = false;
  // test-only: the live server's port is random, so allow any local redirect URI
  provider.Client.prototype.redirectUriAllowed = function allowed(value) {
    return testHost(value);
  };
  provider.Client.prototype.postLogoutRedirectUriAllowed = function allowed(value) {
    return testHost(value);
  };
  // every authorization request starts a fresh login with the "next login" of the test
  provider.use(async (ctx, next) => {
    if (ctx.path === '/auth') {
      ctx.request.headers.cookie = '';
    }
    await next();
  });

  const callback = provider.callback();

  async function interaction(req, res) {
    const details = await provider.interactionDetails(req, res);
    const { prompt, params, session } = details;
    if (prompt.name === 'login') {
      const login = { accountId: nextLogin.sub, acr: nextLogin.acr, remember: false };
      if (nextLogin.amr) login.amr = nextLogin.amr;
      if (nextLogin.authTime) login.ts = nextLogin.authTime;
      await provider.interactionFinished(req, res, { login }, { mergeWithLastSubmission: false });
      return;
    }
    if (prompt.name === 'consent') {
      const grant = details.grantId
        ? await provider.Grant.find(details.grantId)
        : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
      const missing = prompt.details;
      if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
      if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
      for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes || {})) {
        grant.addResourceScope(indicator, scopes.join(' '));
      }
      const grantId = await grant.save();
      await provider.interactionFinished(
        req, res, { consent: { grantId } }, { mergeWithLastSubmission: true },
      );
      return;
    }
    res.writeHead(400, { 'content-type': 'text/plain' });
    res.end(`unexpected prompt ${prompt.name}`);
  }

  function readJson(req) {
    return new Promise((resolve, reject) => {
      let body = '';
      req.on('data', (chunk) => { body += chunk; });
      req.on('end', () => {
        try { resolve(body ? JSON.parse(body) : {}); } catch (err) { reject(err); }
      });
    });
  }

  function json(res, status, data) {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(data));
  }

  server.on('request', async (req, res) => {
    const { pathname } = new URL(req.url, issuer);
    try {
      if (pathname === '/__test/health') {
        json(res, 200, { ok: true });
      } else if (pathname === '/__test/next-login' && req.method === 'POST') {
        const body = await readJson(req);
        if (!body.sub) {
          json(res, 400, { error: 'sub is required' });
          return;
        }
        nextLogin = {
          sub: String(body.sub),
          acr: body.acr,
          amr: body.amr,
          authTime: body.authTime,
          userinfoOnly: body.userinfoOnly || [],
          claims: body.claims || {},
        };
        json(res, 200, nextLogin);
      } else if (pathname === '/__test/next-login') {
        json(res, 200, nextLogin);
      } else if (pathname.startsWith('/interaction/')) {
        await interaction(req, res);
      } else {
        callback(req, res);
      }
    } catch (err) {
      process.stderr.write(`${err.stack || err}\n`);
      if (!res.headersSent) json(res, 500, { error: String(err) });
    }
  });
}

const server = http.createServer();
server.listen(Number(args.port), args.host, () => {
  const { port } = server.address();
  const issuer = `http://${args.host}:${port}`;
  start(issuer, server);
  process.stdout.write(`LISTENING ${issuer}\n`);
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
