import { describe, expect, it } from 'vitest';
import { ConfigurationError, PolicyDeniedError } from '../../src/index.js';
import { assertAllowed, parsePolicy } from '../../src/policy/policy.js';

describe('policy validation', () => {
  it.each([
    ['fractional cents', { budget: { perDayCents: 19.99 } }],
    ['negative cents', { budget: { lifetimeCents: -1 } }],
    ['a misspelt field', { budjet: { perDayCents: 100 } }],
    ['an invalid origin', { allow: { origins: ['not a url'] } }],
    ['string amounts', { budget: { perDayCents: '2000' } }],
  ])('rejects %s with a ConfigurationError', (_name, policy) => {
    expect(() => parsePolicy(policy)).toThrow(ConfigurationError);
  });

  it('canonicalises origins', () => {
    const policy = parsePolicy({ allow: { origins: ['https://API.example.com:443/path'] }, perOrigin: { 'https://x.io/': { lifetimeCents: 5 } } });
    expect(policy.allow?.origins).toEqual(['https://api.example.com']);
    expect(Object.keys(policy.perOrigin!)).toEqual(['https://x.io']);
  });
});

describe('allow and deny lists', () => {
  const subject = { origin: 'https://a.io', planId: '1', scheme: 'nvm:card-delegation', network: 'stripe' };

  it('names the rule and the value that broke it', () => {
    const error = (() => { try { assertAllowed(parsePolicy({ allow: { origins: ['https://b.io'] } }), subject); } catch (e) { return e; } })();
    expect(error).toBeInstanceOf(PolicyDeniedError);
    expect(error).toMatchObject({ code: 'POLICY_DENIED', rule: 'allow.origins', value: 'https://a.io' });
  });

  it('deny wins over allow', () => {
    const policy = parsePolicy({ allow: { planIds: ['1'] }, deny: { planIds: ['1'] } });
    expect(() => assertAllowed(policy, subject)).toThrow(/deny.planIds/);
  });

  it.each([
    [{ allow: { schemes: ['nvm:erc4337'] } }, 'allow.schemes'],
    [{ deny: { networks: ['stripe'] } }, 'deny.networks'],
  ])('checks schemes and networks (%o)', (policy, rule) => {
    expect(() => assertAllowed(parsePolicy(policy), subject)).toThrow(rule);
  });

  it('lets through what the lists allow', () => {
    expect(() => assertAllowed(parsePolicy({ allow: { origins: ['https://a.io'], networks: ['stripe'] } }), subject)).not.toThrow();
  });
});
