#!/usr/bin/env node
// Signs Telegram Mini App initData with a bot token, the way Telegram does,
// so the app can be opened and tested without Telegram. Local use only: the
// token must be the one the Worker validates with (BOT_TOKEN).
//
//   node scripts/sign-init-data.mjs --token T --id 10001 --first-name Dev [--start-param 3] [--language ru]
//
// prints the initData string. The dev command uses it to build the
// `#tgWebAppData=` link that opens the page logged in.

import { createHmac } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

/**
 * Returns a signed initData query string.
 * @param {object} o
 * @param {string} o.token bot token
 * @param {{id:number, first_name:string, last_name?:string, username?:string}} o.user
 * @param {number} [o.authDate] Unix seconds; now by default
 * @param {string} [o.startParam] the deep link's startapp value
 * @param {Record<string,string>} [o.extra] more fields to sign
 */
export function signInitData({ token, user, authDate, startParam, extra = {} }) {
  const fields = {
    auth_date: String(authDate ?? Math.floor(Date.now() / 1000)),
    query_id: 'AAHdF6IQAAAAAN0XohDhrOrc',
    user: JSON.stringify(user),
    ...extra,
  };
  if (startParam !== undefined) fields.start_param = String(startParam);
  const checkString = Object.keys(fields)
    .sort()
    .map((key) => `${key}=${fields[key]}`)
    .join('\n');
  const secret = createHmac('sha256', 'WebAppData').update(token).digest();
  const hash = createHmac('sha256', secret).update(checkString).digest('hex');
  return new URLSearchParams({ ...fields, hash }).toString();
}

/** The page URL that opens the app logged in with `initData`. */
export function appUrl(origin, initData) {
  const fragment = new URLSearchParams({
    tgWebAppData: initData,
    tgWebAppVersion: '8.0',
    tgWebAppPlatform: 'web',
  });
  return `${origin}/#${fragment}`;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({
    options: {
      token: { type: 'string' },
      id: { type: 'string', default: '10001' },
      'first-name': { type: 'string', default: 'Dev' },
      'last-name': { type: 'string', default: 'Admin' },
      username: { type: 'string', default: 'dev_admin' },
      'start-param': { type: 'string' },
      language: { type: 'string' },
      origin: { type: 'string' },
    },
  });
  if (!values.token) {
    console.error('usage: sign-init-data.mjs --token BOT_TOKEN [--id N] [--first-name F] [--last-name L] [--start-param ID] [--language CODE] [--origin URL]');
    process.exit(2);
  }
  const initData = signInitData({
    token: values.token,
    user: {
      id: Number(values.id),
      first_name: values['first-name'],
      last_name: values['last-name'],
      username: values.username,
      // The language of the user's Telegram app (the page starts in it).
      ...(values.language ? { language_code: values.language } : {}),
    },
    startParam: values['start-param'],
  });
  console.log(values.origin ? appUrl(values.origin, initData) : initData);
}
