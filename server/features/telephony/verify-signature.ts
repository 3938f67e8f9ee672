// Lets a webhook through only when X-Twilio-Signature proves Twilio sent it; anything else gets 403.
import express, { type RequestHandler } from 'express';
import twilio from 'twilio';

export interface SignatureCheckOptions {
  authToken: string;
  /** The address Twilio was given (PUBLIC_BASE_URL), so a proxy's Host header or protocol cannot skew the check. */
  publicBaseUrl: string;
  onRefused?: (refusal: { url: string; reason: 'unsigned' | 'forged' }) => void;
}

const parseForm = express.urlencoded({ extended: false, limit: '64kb' });

/**
 * Twilio signs the full URL it called plus the sorted POST parameters with the account's auth token.
 * validateRequest is called directly: twilio.webhook({ authToken }) ignores that option and would
 * fall back to the environment.
 */
export function verifyTwilioSignature(options: SignatureCheckOptions): RequestHandler {
  const base = options.publicBaseUrl.replace(/\/+$/, '');
  return (req, res, next) => {
    parseForm(req, res, (error?: unknown) => {
      if (error) return next(error);
      const url = base + req.originalUrl;
      const signature = req.get('x-twilio-signature');
      const params = req.method === 'POST' && isPlainObject(req.body) ? req.body : {};
      const reason = !signature
        ? 'unsigned'
        : twilio.validateRequest(options.authToken, signature, url, params)
          ? null
          : 'forged';
      if (!reason) return next();
      options.onRefused?.({ url, reason });
      res.sendStatus(403);
    });
  };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
