/**
 * A workspace source given as a bare absolute path (`/srv/infra`) is stored as the file:// URL it
 * means (`file:///srv/infra`), so clients that show or link the source (the Terrakube UI) see a URL.
 */
import { pathToFileURL } from 'node:url';

export function sourceUrl(source: string): string {
  return source.startsWith('/') && !source.startsWith('//') ? pathToFileURL(source).href : source;
}
