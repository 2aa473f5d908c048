import { prefersJson, qualityOf } from '../../src/http/accept';

const FIREFOX = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
const CHROME =
  'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7';
const SAFARI = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
const CURL = '*/*';

describe('qualityOf', () => {
  test.each([
    ['application/json', 'application/json', 1],
    ['application/json;q=0.5', 'application/json', 0.5],
    ['application/json; q=0.5', 'application/json', 0.5],
    ['application/json;Q=0.5', 'application/json', 0.5],
    ['Application/JSON;q=0.4', 'application/json', 0.4],
    ['application/json;q=0', 'application/json', 0],
    ['text/html', 'application/json', 0],
    ['', 'application/json', 0],
    ['*/*', 'application/json', 1],
    ['*/*;q=0.1', 'application/json', 0.1],
    ['application/*;q=0.3', 'application/json', 0.3],
    ['application/*;q=0.3, */*;q=0.9', 'application/json', 0.3],
    ['*/*;q=0.9, application/json;q=0.2', 'application/json', 0.2],
    ['*/*;q=0.5, application/json;q=0', 'application/json', 0],
    ['application/json;q=0.2, application/json;q=0.7', 'application/json', 0.7],
    ['application/json;q=abc', 'application/json', 0],
    ['text/html;level=1;q=0.6', 'text/html', 0.6],
    [FIREFOX, 'text/html', 1],
    [FIREFOX, 'application/json', 0.8],
    [CHROME, 'application/json', 0.8],
    ['text/*;q=0.3', 'text/html', 0.3],
    [' text/html , application/json ;q=0.1', 'application/json', 0.1],
  ] as const)('in %j, %s has quality %d', (accept, type, q) => {
    expect(qualityOf(accept, type)).toBe(q);
  });
});

describe('prefersJson', () => {
  test.each([
    ['absent', undefined, false],
    ['empty', '', false],
    ['Firefox', FIREFOX, false],
    ['Chrome', CHROME, false],
    ['Safari', SAFARI, false],
    ['curl default */*', CURL, false],
    ['application/json alone', 'application/json', true],
    ['application/json upper case', 'APPLICATION/JSON', true],
    ['json ranked above html', 'application/json;q=0.9, text/html;q=0.8', true],
    ['html ranked above json', 'text/html;q=0.9, application/json;q=0.8', false],
    ['json and html tied', 'application/json, text/html', false],
    ['json with a low */* fallback', 'application/json, */*;q=0.1', true],
    ['json refused with q=0', 'application/json;q=0', false],
    ['json refused with q=0 despite */*', '*/*, application/json;q=0', false],
    ['json only through */* plus an unrelated json type', 'application/ld+json, */*', false],
    ['application/* without naming json', 'application/*', false],
    ['text/html refused and json wanted', 'text/html;q=0, application/json;q=0.1', true],
  ] as const)('%s (%j) → %j', (_name, accept, expected) => {
    expect(prefersJson(accept)).toBe(expected);
  });
});
