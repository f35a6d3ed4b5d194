// Apollo Client 4 with a plain InMemoryCache (only the generated possibleTypes, no type policies)
// against the live server: switch locales back and forth, then sync the catalog through the same
// cache, and report what the app would show. Usage: node apollo_cache.mjs URL TOKEN DOCUMENTS.json POSSIBLE_TYPES.json SLUG
import { readFileSync } from "node:fs";
import { ApolloClient, HttpLink, InMemoryCache, gql } from "@apollo/client";

const [url, token, documentsPath, possibleTypesPath, slug] = process.argv.slice(2);
const documents = JSON.parse(readFileSync(documentsPath, "utf8"));
const { possibleTypes } = JSON.parse(readFileSync(possibleTypesPath, "utf8"));

let requests = 0;
const countingFetch = (input, init) => {
  requests += 1;
  return fetch(input, init);
};
const client = new ApolloClient({
  link: new HttpLink({ uri: url, headers: { authorization: `Bearer ${token}` }, fetch: countingFetch }),
  cache: new InMemoryCache({ possibleTypes }),
});

const collection = gql(documents.Collection);
const syncPull = gql(documents.SyncPull);
const shown = [];

async function show(locale, step) {
  const before = requests;
  const { data } = await client.query({ query: collection, variables: { slug, locale }, fetchPolicy: "cache-first" });
  shown.push({
    step,
    locale,
    fromCache: requests === before,
    title: data.collection.title,
    textLanguage: data.collection.textLanguage,
    trackTitles: data.collection.tracks.map((track) => track.title),
  });
}

await show("en", "first visit");
await show("pt", "switch to Portuguese");
await show("en", "back to English");
await show("pt", "Portuguese again");
// The offline catalog feed writes the same Collection:<id> objects (every language, in `titles`).
await client.query({ query: syncPull, variables: { input: { clientId: "web", cursor: null } }, fetchPolicy: "network-only" });
await show("en", "after a catalog sync");
await show("pt", "after a catalog sync");
console.log(JSON.stringify({ shown, requests }));
