/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
/** A patch: `id` plus any fields. Omitted = unchanged; explicit null = cleared. */
export type AdminCollectionInput = {
  coverImage?: string | null | undefined;
  defaultLanguage?: string | null | undefined;
  /** Every language of the description (replaces the previous set). */
  description?: Array<LocalizedTextInput> | null | undefined;
  /** Chosen by the editor: 1-100 of A-Z a-z 0-9 . _ : - */
  id: string | number;
  kind?: string | null | undefined;
  order?: number | null | undefined;
  parentId?: string | number | null | undefined;
  slug?: string | null | undefined;
  tags?: Array<string> | null | undefined;
  /** Every language of the title (replaces the previous set). */
  title?: Array<LocalizedTextInput> | null | undefined;
};

/** A patch: `id` plus any fields. Omitted = unchanged; explicit null = cleared. */
export type AdminTrackInput = {
  collectionId?: string | number | null | undefined;
  description?: Array<LocalizedTextInput> | null | undefined;
  durationSeconds?: number | null | undefined;
  /** Chosen by the editor: 1-100 of A-Z a-z 0-9 . _ : - */
  id: string | number;
  language?: string | null | undefined;
  media?: TrackMediaInput | null | undefined;
  order?: number | null | undefined;
  tags?: Array<string> | null | undefined;
  title?: Array<LocalizedTextInput> | null | undefined;
};

/** A patch: `id` plus any fields. Omitted = unchanged; explicit null = cleared. */
export type BookmarkInput = {
  /** Client-generated UUID or ULID. */
  id: string | number;
  label?: string | null | undefined;
  note?: string | null | undefined;
  /** 0 to 86,400; required on create. */
  positionSeconds?: number | null | undefined;
  /** A catalog track id; required on create. */
  trackId?: string | number | null | undefined;
};

/** Exactly one of a catalog track id or one of the user's piece ids. */
export type ChatContextInput =
  {   pieceId: string | number; trackId?: never; }
  |  { pieceId?: never;   trackId: string | number; };

/** A user's message to the assistant. */
export type ChatMessageInput = {
  /** Client-generated UUID or ULID. */
  id: string | number;
  /** 1-4,000 characters. */
  text: string;
  threadId: string | number;
};

/** Where a chat message stands. A user's message is always COMPLETE. */
export type ChatMessageStatus =
  | 'COMPLETE'
  | 'FAILED'
  | 'PENDING';

/** Who wrote a chat message. */
export type ChatRole =
  | 'ASSISTANT'
  | 'USER';

/** A patch: `id` plus any fields. Omitted = unchanged; explicit null = cleared. */
export type ChatThreadInput = {
  context?: ChatContextInput | null | undefined;
  /** Client-generated UUID or ULID. */
  id: string | number;
  title?: string | null | undefined;
};

/** Local days (in the query's time zone), both included; at most 366 days. */
export type DateRangeInput = {
  from: string;
  to: string;
};

/** Delete a record by id: it becomes a tombstone, and deletes are final. */
export type DeleteInput = {
  id: string | number;
};

/** How the app describes the device it runs on (shown in `devices`). */
export type DeviceInput = {
  /** Up to 40 characters. */
  appVersion?: string | null | undefined;
  /** Up to 100 characters, e.g. Ada's phone. */
  name?: string | null | undefined;
  /** Up to 40 characters, e.g. ios 18.2. */
  platform?: string | null | undefined;
};

/** Where one step of an erasure stands. */
export type ErasureStatus =
  | 'ALREADY_DONE'
  | 'DONE'
  | 'NOT_CONFIGURED'
  | 'PENDING';

/** A text in one language (a BCP 47 tag such as en, pt or pt-PT). */
export type LocalizedTextInput = {
  language: string;
  text: string;
};

/** A track's media: AUDIO (its main audio or video), TRANSCRIPT (a PDF), IMAGE. */
export type MediaKind =
  | 'AUDIO'
  | 'IMAGE'
  | 'TRANSCRIPT';

/** A patch: `id` plus any fields. Omitted = unchanged; explicit null = cleared. */
export type PieceInput = {
  category?: string | null | undefined;
  favorite?: boolean | null | undefined;
  /** Client-generated UUID or ULID. */
  id: string | number;
  language?: string | null | undefined;
  lyrics?: string | null | undefined;
  notes?: string | null | undefined;
  tags?: Array<string> | null | undefined;
  title?: string | null | undefined;
};

/** A patch: `id` plus any fields. Omitted = unchanged; explicit null = cleared. */
export type PracticeSessionInput = {
  durationSeconds?: number | null | undefined;
  endedAt?: string | null | undefined;
  /** Client-generated UUID or ULID. */
  id: string | number;
  notes?: string | null | undefined;
  pieceId?: string | number | null | undefined;
  rating?: number | null | undefined;
  startedAt?: string | null | undefined;
  trackId?: string | number | null | undefined;
};

/** Set (`value`) or remove (`value: null`) one app-defined setting. */
export type PreferenceEntryInput = {
  /** 1-64 characters of A-Z a-z 0-9 . _ : - */
  key: string;
  /** Up to 1,000 characters; null removes the key. */
  value?: string | null | undefined;
};

/** A patch of the preferences: omitted = unchanged; explicit null = cleared. */
export type PreferencesInput = {
  contentLanguage?: string | null | undefined;
  /** The keys to set or remove (others are unchanged); null removes every key. */
  custom?: Array<PreferenceEntryInput> | null | undefined;
  dailyGoalMinutes?: number | null | undefined;
  language?: string | null | undefined;
  notifications?: boolean | null | undefined;
  timeZone?: string | null | undefined;
};

export type RecordConsentInput = {
  granted: boolean;
  /** 1-40 of a-z 0-9 _, starting with a letter. */
  kind: string;
  /** Policy version: 1-40 of A-Z a-z 0-9 . _ : + - */
  version: string;
};

/** A player's report, sent every few seconds to minutes while it plays and when it stops. The mutation's changedAt is the report's time (lastPlayedAt). */
export type RecordProgressInput = {
  /** true: the player reached the end. false changes nothing (see resetProgress). */
  completed?: boolean | null | undefined;
  /** The track's length as the player sees it (0 to 86,400). */
  durationSeconds?: number | null | undefined;
  /** Seconds listened since this device's previous report of this track: not negative, at most the time since that report (+60 s) and at most 24 h. */
  listenedSecondsDelta: number;
  /** 0 to 86,400. */
  positionSeconds: number;
  /** A catalog track id. */
  trackId: string | number;
};

/** "Mark as unplayed": not completed, position 0, unless a later report says otherwise. */
export type ResetProgressInput = {
  trackId: string | number;
};

/** Exactly one change. */
export type SyncChangeInput =
  {   deleteBookmark: DeleteInput; deleteChatThread?: never; deletePiece?: never; deleteSession?: never; recordProgress?: never; resetProgress?: never; saveBookmark?: never; saveChatThread?: never; savePiece?: never; savePreferences?: never; saveSession?: never; sendChatMessage?: never; }
  |  { deleteBookmark?: never;   /** Deleting a thread deletes its messages too. */
  deleteChatThread: DeleteInput; deletePiece?: never; deleteSession?: never; recordProgress?: never; resetProgress?: never; saveBookmark?: never; saveChatThread?: never; savePiece?: never; savePreferences?: never; saveSession?: never; sendChatMessage?: never; }
  |  { deleteBookmark?: never; deleteChatThread?: never;   deletePiece: DeleteInput; deleteSession?: never; recordProgress?: never; resetProgress?: never; saveBookmark?: never; saveChatThread?: never; savePiece?: never; savePreferences?: never; saveSession?: never; sendChatMessage?: never; }
  |  { deleteBookmark?: never; deleteChatThread?: never; deletePiece?: never;   deleteSession: DeleteInput; recordProgress?: never; resetProgress?: never; saveBookmark?: never; saveChatThread?: never; savePiece?: never; savePreferences?: never; saveSession?: never; sendChatMessage?: never; }
  |  { deleteBookmark?: never; deleteChatThread?: never; deletePiece?: never; deleteSession?: never;   recordProgress: RecordProgressInput; resetProgress?: never; saveBookmark?: never; saveChatThread?: never; savePiece?: never; savePreferences?: never; saveSession?: never; sendChatMessage?: never; }
  |  { deleteBookmark?: never; deleteChatThread?: never; deletePiece?: never; deleteSession?: never; recordProgress?: never;   resetProgress: ResetProgressInput; saveBookmark?: never; saveChatThread?: never; savePiece?: never; savePreferences?: never; saveSession?: never; sendChatMessage?: never; }
  |  { deleteBookmark?: never; deleteChatThread?: never; deletePiece?: never; deleteSession?: never; recordProgress?: never; resetProgress?: never;   saveBookmark: BookmarkInput; saveChatThread?: never; savePiece?: never; savePreferences?: never; saveSession?: never; sendChatMessage?: never; }
  |  { deleteBookmark?: never; deleteChatThread?: never; deletePiece?: never; deleteSession?: never; recordProgress?: never; resetProgress?: never; saveBookmark?: never;   saveChatThread: ChatThreadInput; savePiece?: never; savePreferences?: never; saveSession?: never; sendChatMessage?: never; }
  |  { deleteBookmark?: never; deleteChatThread?: never; deletePiece?: never; deleteSession?: never; recordProgress?: never; resetProgress?: never; saveBookmark?: never; saveChatThread?: never;   savePiece: PieceInput; savePreferences?: never; saveSession?: never; sendChatMessage?: never; }
  |  { deleteBookmark?: never; deleteChatThread?: never; deletePiece?: never; deleteSession?: never; recordProgress?: never; resetProgress?: never; saveBookmark?: never; saveChatThread?: never; savePiece?: never;   savePreferences: PreferencesInput; saveSession?: never; sendChatMessage?: never; }
  |  { deleteBookmark?: never; deleteChatThread?: never; deletePiece?: never; deleteSession?: never; recordProgress?: never; resetProgress?: never; saveBookmark?: never; saveChatThread?: never; savePiece?: never; savePreferences?: never;   saveSession: PracticeSessionInput; sendChatMessage?: never; }
  |  { deleteBookmark?: never; deleteChatThread?: never; deletePiece?: never; deleteSession?: never; recordProgress?: never; resetProgress?: never; saveBookmark?: never; saveChatThread?: never; savePiece?: never; savePreferences?: never; saveSession?: never;   /** The assistant's reply arrives with a later pull (often the next one). */
  sendChatMessage: ChatMessageInput; };

/** One change queued on the device. */
export type SyncMutationInput = {
  change: SyncChangeInput;
  /** When the user made the change (device clock; clamped to the server's). */
  changedAt: string;
  /** Strictly increasing per clientId; the server applies each id once, ever. */
  mutationId: number;
};

export type SyncPullInput = {
  clientId: string | number;
  /** As the last pull returned it; null to start over. */
  cursor?: string | null | undefined;
  /** How the app describes this device (recorded every few minutes at most). */
  device?: DeviceInput | null | undefined;
  /** 1-1000 records per page. */
  limit?: number;
  /** 0-20: wait up to this long for a change when there is none (long polling). */
  waitSeconds?: number;
};

export type SyncPushInput = {
  /** One id per app installation (1-128 of A-Z a-z 0-9 . _ : -). */
  clientId: string | number;
  /** How the app describes this device (stored with the push's changes). */
  device?: DeviceInput | null | undefined;
  /** In order; at most 100. */
  mutations: Array<SyncMutationInput>;
};

/** What the server did with one queued mutation. */
export type SyncStatus =
  | 'APPLIED'
  | 'DUPLICATE'
  | 'MERGED'
  | 'REJECTED';

/** Media keys as adminMediaUploadUrl returned them. Omitted = unchanged; null = removed. */
export type TrackMediaInput = {
  audio?: string | null | undefined;
  image?: string | null | undefined;
  transcript?: string | null | undefined;
};

export type DevicesQueryVariables = Exact<{ [key: string]: never; }>;


export type DevicesQuery = { devices: Array<{ clientId: string, name: string | null, platform: string | null, appVersion: string | null, firstSeenAt: string | null, lastSyncAt: string | null, lastMutationId: number, revoked: boolean }> };

export type RevokeDeviceMutationVariables = Exact<{
  clientId: string | number;
}>;


export type RevokeDeviceMutation = { revokeDevice: { clientId: string, revoked: boolean } };

export type ConsentsQueryVariables = Exact<{
  kind?: string | null | undefined;
  history?: boolean | null | undefined;
}>;


export type ConsentsQuery = { consents: Array<{ kind: string, granted: boolean, version: string, recordedAt: string }> };

export type RecordConsentMutationVariables = Exact<{
  input: RecordConsentInput;
}>;


export type RecordConsentMutation = { recordConsent: { kind: string, granted: boolean, version: string, recordedAt: string } };

export type ExportMyDataMutationVariables = Exact<{ [key: string]: never; }>;


export type ExportMyDataMutation = { exportMyData: { url: string, expiresAt: string, format: string, version: number, sizeBytes: number, records: number } };

export type DeleteMyAccountMutationVariables = Exact<{
  confirm: string;
}>;


export type DeleteMyAccountMutation = { deleteMyAccount: { complete: boolean, itemsDeleted: number, objectsDeleted: number, media: ErasureStatus, cognitoUser: ErasureStatus } };

export type BookmarksQueryVariables = Exact<{
  trackId: string | number;
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type BookmarksQuery = { bookmarks: { nodes: Array<{ id: string, version: number, updatedAt: string, deleted: boolean, trackId: string | null, positionSeconds: number | null, label: string | null, note: string | null, createdAt: string | null }>, pageInfo: { endCursor: string | null, hasNextPage: boolean } } };

export type CollectionsQueryVariables = Exact<{
  parentId?: string | number | null | undefined;
  kind?: string | null | undefined;
  locale?: string | null | undefined;
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type CollectionsQuery = { collections: { nodes: Array<{ id: string, slug: string | null, kind: string | null, title: string | null, description: string | null, textLanguage: string | null, tags: Array<string>, coverImage: string | null, order: number, parentId: string | null }>, pageInfo: { endCursor: string | null, hasNextPage: boolean } } };

export type CollectionQueryVariables = Exact<{
  id?: string | number | null | undefined;
  slug?: string | null | undefined;
  locale?: string | null | undefined;
}>;


export type CollectionQuery = { collection: { id: string, slug: string | null, kind: string | null, title: string | null, description: string | null, textLanguage: string | null, tags: Array<string>, coverImage: string | null, order: number, parentId: string | null, tracks: Array<{ id: string, collectionId: string | null, order: number, title: string | null, description: string | null, textLanguage: string | null, durationSeconds: number | null, language: string | null, tags: Array<string>, media: { audio: string | null, transcript: string | null, image: string | null } }> } | null };

export type TrackQueryVariables = Exact<{
  id: string | number;
  locale?: string | null | undefined;
}>;


export type TrackQuery = { track: { id: string, collectionId: string | null, order: number, title: string | null, description: string | null, textLanguage: string | null, durationSeconds: number | null, language: string | null, tags: Array<string>, media: { audio: string | null, transcript: string | null, image: string | null } } | null };

export type SearchContentQueryVariables = Exact<{
  query: string;
  locale?: string | null | undefined;
  first?: number | null | undefined;
}>;


export type SearchContentQuery = { searchContent: Array<{ score: number, item:
      | { __typename: 'Collection', id: string, slug: string | null, kind: string | null, title: string | null, description: string | null, textLanguage: string | null, tags: Array<string>, coverImage: string | null, order: number, parentId: string | null }
      | { __typename: 'Track', id: string, collectionId: string | null, order: number, title: string | null, description: string | null, textLanguage: string | null, durationSeconds: number | null, language: string | null, tags: Array<string>, media: { audio: string | null, transcript: string | null, image: string | null } }
     }> };

export type MediaUrlQueryVariables = Exact<{
  trackId: string | number;
  kind: MediaKind;
}>;


export type MediaUrlQuery = { mediaUrl: { url: string, key: string, expiresAt: string } };

export type AdminCollectionQueryVariables = Exact<{
  id?: string | number | null | undefined;
  slug?: string | null | undefined;
}>;


export type AdminCollectionQuery = { collection: { visible: boolean, id: string, version: number, updatedAt: string, deleted: boolean, slug: string | null, kind: string | null, defaultLanguage: string | null, tags: Array<string>, coverImage: string | null, order: number, parentId: string | null, publishedAt: string | null, tracks: Array<{ visible: boolean, id: string, version: number, updatedAt: string, deleted: boolean, collectionId: string | null, order: number, durationSeconds: number | null, language: string | null, tags: Array<string>, publishedAt: string | null, titles: Array<{ language: string, text: string }>, descriptions: Array<{ language: string, text: string }>, media: { audio: string | null, transcript: string | null, image: string | null } }>, titles: Array<{ language: string, text: string }>, descriptions: Array<{ language: string, text: string }> } | null };

export type AdminSaveCollectionMutationVariables = Exact<{
  input: AdminCollectionInput;
}>;


export type AdminSaveCollectionMutation = { adminSaveCollection: { id: string, version: number, updatedAt: string, deleted: boolean, slug: string | null, kind: string | null, defaultLanguage: string | null, tags: Array<string>, coverImage: string | null, order: number, parentId: string | null, publishedAt: string | null, titles: Array<{ language: string, text: string }>, descriptions: Array<{ language: string, text: string }> } };

export type AdminSaveTrackMutationVariables = Exact<{
  input: AdminTrackInput;
}>;


export type AdminSaveTrackMutation = { adminSaveTrack: { id: string, version: number, updatedAt: string, deleted: boolean, collectionId: string | null, order: number, durationSeconds: number | null, language: string | null, tags: Array<string>, publishedAt: string | null, titles: Array<{ language: string, text: string }>, descriptions: Array<{ language: string, text: string }>, media: { audio: string | null, transcript: string | null, image: string | null } } };

export type AdminDeleteTrackMutationVariables = Exact<{
  id: string | number;
}>;


export type AdminDeleteTrackMutation = { adminDeleteTrack: { id: string, version: number, deleted: boolean } };

export type AdminDeleteCollectionMutationVariables = Exact<{
  id: string | number;
}>;


export type AdminDeleteCollectionMutation = { adminDeleteCollection: { id: string, version: number, deleted: boolean } };

export type AdminPublishMutationVariables = Exact<{
  id: string | number;
  withTracks?: boolean | null | undefined;
}>;


export type AdminPublishMutation = { adminPublish:
    | { __typename: 'Collection', id: string, version: number, publishedAt: string | null, visible: boolean }
    | { __typename: 'Track', id: string, version: number, publishedAt: string | null, visible: boolean }
   };

export type AdminUnpublishMutationVariables = Exact<{
  id: string | number;
  withTracks?: boolean | null | undefined;
}>;


export type AdminUnpublishMutation = { adminUnpublish:
    | { __typename: 'Collection', id: string, version: number, publishedAt: string | null, visible: boolean }
    | { __typename: 'Track', id: string, version: number, publishedAt: string | null, visible: boolean }
   };

export type AdminMediaUploadUrlMutationVariables = Exact<{
  trackId: string | number;
  kind: MediaKind;
  contentType: string;
  contentLength: number;
}>;


export type AdminMediaUploadUrlMutation = { adminMediaUploadUrl: { url: string, method: string, key: string, expiresAt: string, maxBytes: number, headers: Array<{ name: string, value: string }> } };

export type AdminCoverUploadUrlMutationVariables = Exact<{
  collectionId: string | number;
  contentType: string;
  contentLength: number;
}>;


export type AdminCoverUploadUrlMutation = { adminCoverUploadUrl: { url: string, method: string, key: string, expiresAt: string, maxBytes: number, headers: Array<{ name: string, value: string }> } };

export type MediaUploadFieldsFragment = { url: string, method: string, key: string, expiresAt: string, maxBytes: number, headers: Array<{ name: string, value: string }> };

export type ChatThreadsQueryVariables = Exact<{
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type ChatThreadsQuery = { chatThreads: { nodes: Array<{ id: string, version: number, updatedAt: string, deleted: boolean, title: string | null, summary: string | null, createdAt: string | null, lastMessageAt: string | null, context: { trackId: string | null, pieceId: string | null } | null }>, pageInfo: { endCursor: string | null, hasNextPage: boolean } } };

export type ChatThreadQueryVariables = Exact<{
  id: string | number;
}>;


export type ChatThreadQuery = { chatThread: { id: string, version: number, updatedAt: string, deleted: boolean, title: string | null, summary: string | null, createdAt: string | null, lastMessageAt: string | null, context: { trackId: string | null, pieceId: string | null } | null } | null };

export type ChatMessagesQueryVariables = Exact<{
  threadId: string | number;
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type ChatMessagesQuery = { chatMessages: { nodes: Array<{ id: string, version: number, updatedAt: string, deleted: boolean, threadId: string | null, role: ChatRole | null, text: string | null, createdAt: string | null, status: ChatMessageStatus | null, model: string | null, inputTokens: number | null, outputTokens: number | null, replyToId: string | null, error: { code: string, message: string, retryAt: string | null } | null }>, pageInfo: { endCursor: string | null, hasNextPage: boolean } } };

export type ChatSuggestionsQueryVariables = Exact<{
  context?: ChatContextInput | null | undefined;
  language?: string | null | undefined;
}>;


export type ChatSuggestionsQuery = { chatSuggestions: { language: string, prompts: Array<string> } };

export type SendChatMessageMutationVariables = Exact<{
  input: ChatMessageInput;
}>;


export type SendChatMessageMutation = { sendChatMessage: { id: string, version: number, updatedAt: string, deleted: boolean, threadId: string | null, role: ChatRole | null, text: string | null, createdAt: string | null, status: ChatMessageStatus | null, model: string | null, inputTokens: number | null, outputTokens: number | null, replyToId: string | null, error: { code: string, message: string, retryAt: string | null } | null } };

export type RetryChatReplyMutationVariables = Exact<{
  messageId: string | number;
}>;


export type RetryChatReplyMutation = { retryChatReply: { id: string, version: number, updatedAt: string, deleted: boolean, threadId: string | null, role: ChatRole | null, text: string | null, createdAt: string | null, status: ChatMessageStatus | null, model: string | null, inputTokens: number | null, outputTokens: number | null, replyToId: string | null, error: { code: string, message: string, retryAt: string | null } | null } };

export type PieceFieldsFragment = { id: string, version: number, updatedAt: string, deleted: boolean, title: string | null, category: string | null, language: string | null, lyrics: string | null, notes: string | null, tags: Array<string>, favorite: boolean, createdAt: string | null };

export type PracticeSessionFieldsFragment = { id: string, version: number, updatedAt: string, deleted: boolean, pieceId: string | null, trackId: string | null, startedAt: string | null, endedAt: string | null, durationSeconds: number | null, rating: number | null, notes: string | null };

export type ProgressFieldsFragment = { id: string, version: number, updatedAt: string, deleted: boolean, trackId: string | null, positionSeconds: number | null, durationSeconds: number | null, completed: boolean, completedAt: string | null, listenedSeconds: number, lastPlayedAt: string | null, playCount: number };

export type BookmarkFieldsFragment = { id: string, version: number, updatedAt: string, deleted: boolean, trackId: string | null, positionSeconds: number | null, label: string | null, note: string | null, createdAt: string | null };

export type ChatThreadFieldsFragment = { id: string, version: number, updatedAt: string, deleted: boolean, title: string | null, summary: string | null, createdAt: string | null, lastMessageAt: string | null, context: { trackId: string | null, pieceId: string | null } | null };

export type ChatMessageFieldsFragment = { id: string, version: number, updatedAt: string, deleted: boolean, threadId: string | null, role: ChatRole | null, text: string | null, createdAt: string | null, status: ChatMessageStatus | null, model: string | null, inputTokens: number | null, outputTokens: number | null, replyToId: string | null, error: { code: string, message: string, retryAt: string | null } | null };

export type PreferencesFieldsFragment = { id: string, version: number, updatedAt: string, deleted: boolean, language: string | null, contentLanguage: string | null, timeZone: string | null, notifications: boolean | null, dailyGoalMinutes: number | null, custom: Array<{ key: string, value: string }> };

type SyncRecordFields_Bookmark_Fragment = { __typename: 'Bookmark', id: string, version: number, updatedAt: string, deleted: boolean, trackId: string | null, positionSeconds: number | null, label: string | null, note: string | null, createdAt: string | null };

type SyncRecordFields_ChatMessage_Fragment = { __typename: 'ChatMessage', id: string, version: number, updatedAt: string, deleted: boolean, threadId: string | null, role: ChatRole | null, text: string | null, createdAt: string | null, status: ChatMessageStatus | null, model: string | null, inputTokens: number | null, outputTokens: number | null, replyToId: string | null, error: { code: string, message: string, retryAt: string | null } | null };

type SyncRecordFields_ChatThread_Fragment = { __typename: 'ChatThread', id: string, version: number, updatedAt: string, deleted: boolean, title: string | null, summary: string | null, createdAt: string | null, lastMessageAt: string | null, context: { trackId: string | null, pieceId: string | null } | null };

type SyncRecordFields_Collection_Fragment = { __typename: 'Collection', id: string, version: number, updatedAt: string, deleted: boolean, slug: string | null, kind: string | null, defaultLanguage: string | null, tags: Array<string>, coverImage: string | null, order: number, parentId: string | null, publishedAt: string | null, titles: Array<{ language: string, text: string }>, descriptions: Array<{ language: string, text: string }> };

type SyncRecordFields_Piece_Fragment = { __typename: 'Piece', id: string, version: number, updatedAt: string, deleted: boolean, title: string | null, category: string | null, language: string | null, lyrics: string | null, notes: string | null, tags: Array<string>, favorite: boolean, createdAt: string | null };

type SyncRecordFields_PracticeSession_Fragment = { __typename: 'PracticeSession', id: string, version: number, updatedAt: string, deleted: boolean, pieceId: string | null, trackId: string | null, startedAt: string | null, endedAt: string | null, durationSeconds: number | null, rating: number | null, notes: string | null };

type SyncRecordFields_Preferences_Fragment = { __typename: 'Preferences', id: string, version: number, updatedAt: string, deleted: boolean, language: string | null, contentLanguage: string | null, timeZone: string | null, notifications: boolean | null, dailyGoalMinutes: number | null, custom: Array<{ key: string, value: string }> };

type SyncRecordFields_Progress_Fragment = { __typename: 'Progress', id: string, version: number, updatedAt: string, deleted: boolean, trackId: string | null, positionSeconds: number | null, durationSeconds: number | null, completed: boolean, completedAt: string | null, listenedSeconds: number, lastPlayedAt: string | null, playCount: number };

type SyncRecordFields_Track_Fragment = { __typename: 'Track', id: string, version: number, updatedAt: string, deleted: boolean, collectionId: string | null, order: number, durationSeconds: number | null, language: string | null, tags: Array<string>, publishedAt: string | null, titles: Array<{ language: string, text: string }>, descriptions: Array<{ language: string, text: string }>, media: { audio: string | null, transcript: string | null, image: string | null } };

export type SyncRecordFieldsFragment =
  | SyncRecordFields_Bookmark_Fragment
  | SyncRecordFields_ChatMessage_Fragment
  | SyncRecordFields_ChatThread_Fragment
  | SyncRecordFields_Collection_Fragment
  | SyncRecordFields_Piece_Fragment
  | SyncRecordFields_PracticeSession_Fragment
  | SyncRecordFields_Preferences_Fragment
  | SyncRecordFields_Progress_Fragment
  | SyncRecordFields_Track_Fragment
;

export type CollectionFieldsFragment = { id: string, version: number, updatedAt: string, deleted: boolean, slug: string | null, kind: string | null, defaultLanguage: string | null, tags: Array<string>, coverImage: string | null, order: number, parentId: string | null, publishedAt: string | null, titles: Array<{ language: string, text: string }>, descriptions: Array<{ language: string, text: string }> };

export type TrackFieldsFragment = { id: string, version: number, updatedAt: string, deleted: boolean, collectionId: string | null, order: number, durationSeconds: number | null, language: string | null, tags: Array<string>, publishedAt: string | null, titles: Array<{ language: string, text: string }>, descriptions: Array<{ language: string, text: string }>, media: { audio: string | null, transcript: string | null, image: string | null } };

export type CollectionCardFragment = { id: string, slug: string | null, kind: string | null, title: string | null, description: string | null, textLanguage: string | null, tags: Array<string>, coverImage: string | null, order: number, parentId: string | null };

export type TrackRowFragment = { id: string, collectionId: string | null, order: number, title: string | null, description: string | null, textLanguage: string | null, durationSeconds: number | null, language: string | null, tags: Array<string>, media: { audio: string | null, transcript: string | null, image: string | null } };

export type MeQueryVariables = Exact<{ [key: string]: never; }>;


export type MeQuery = { me: { id: string, email: string | null, name: string | null, isAdmin: boolean, createdAt: string, lastSeenAt: string, preferences: { id: string, version: number, updatedAt: string, deleted: boolean, language: string | null, contentLanguage: string | null, timeZone: string | null, notifications: boolean | null, dailyGoalMinutes: number | null, custom: Array<{ key: string, value: string }> } } };

export type PiecesQueryVariables = Exact<{
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type PiecesQuery = { pieces: { nodes: Array<{ id: string, version: number, updatedAt: string, title: string | null, category: string | null, language: string | null, tags: Array<string>, favorite: boolean, createdAt: string | null }>, pageInfo: { endCursor: string | null, hasNextPage: boolean } } };

export type PieceQueryVariables = Exact<{
  id: string | number;
}>;


export type PieceQuery = { piece: { id: string, version: number, updatedAt: string, deleted: boolean, title: string | null, category: string | null, language: string | null, lyrics: string | null, notes: string | null, tags: Array<string>, favorite: boolean, createdAt: string | null } | null };

export type ProgressQueryVariables = Exact<{
  trackId: string | number;
}>;


export type ProgressQuery = { progress: { id: string, version: number, updatedAt: string, deleted: boolean, trackId: string | null, positionSeconds: number | null, durationSeconds: number | null, completed: boolean, completedAt: string | null, listenedSeconds: number, lastPlayedAt: string | null, playCount: number } | null };

export type ProgressListQueryVariables = Exact<{
  first?: number | null | undefined;
  after?: string | null | undefined;
  completed?: boolean | null | undefined;
}>;


export type ProgressListQuery = { progressList: { nodes: Array<{ id: string, version: number, updatedAt: string, deleted: boolean, trackId: string | null, positionSeconds: number | null, durationSeconds: number | null, completed: boolean, completedAt: string | null, listenedSeconds: number, lastPlayedAt: string | null, playCount: number }>, pageInfo: { endCursor: string | null, hasNextPage: boolean } } };

export type ProgressStatsQueryVariables = Exact<{
  range: DateRangeInput;
  timeZone: string;
}>;


export type ProgressStatsQuery = { progressStats: { from: string, to: string, timeZone: string, listenedSeconds: number, tracksCompleted: number, practiceSessions: number, practiceMinutes: number, currentStreakDays: number, longestStreakDays: number, days: Array<{ date: string, listenedSeconds: number, tracksCompleted: number, practiceSessions: number, practiceMinutes: number, active: boolean }> } };

export type SessionsQueryVariables = Exact<{
  first?: number | null | undefined;
  after?: string | null | undefined;
  pieceId?: string | number | null | undefined;
}>;


export type SessionsQuery = { sessions: { nodes: Array<{ id: string, version: number, updatedAt: string, deleted: boolean, pieceId: string | null, trackId: string | null, startedAt: string | null, endedAt: string | null, durationSeconds: number | null, rating: number | null, notes: string | null }>, pageInfo: { endCursor: string | null, hasNextPage: boolean } } };

export type SessionQueryVariables = Exact<{
  id: string | number;
}>;


export type SessionQuery = { session: { id: string, version: number, updatedAt: string, deleted: boolean, pieceId: string | null, trackId: string | null, startedAt: string | null, endedAt: string | null, durationSeconds: number | null, rating: number | null, notes: string | null } | null };

export type SyncPullQueryVariables = Exact<{
  input: SyncPullInput;
}>;


export type SyncPullQuery = { syncPull: { cursor: string, hasMore: boolean, resetRequired: boolean, lastMutationId: number, pieces: Array<{ id: string, version: number, updatedAt: string, deleted: boolean, title: string | null, category: string | null, language: string | null, lyrics: string | null, notes: string | null, tags: Array<string>, favorite: boolean, createdAt: string | null }>, sessions: Array<{ id: string, version: number, updatedAt: string, deleted: boolean, pieceId: string | null, trackId: string | null, startedAt: string | null, endedAt: string | null, durationSeconds: number | null, rating: number | null, notes: string | null }>, progress: Array<{ id: string, version: number, updatedAt: string, deleted: boolean, trackId: string | null, positionSeconds: number | null, durationSeconds: number | null, completed: boolean, completedAt: string | null, listenedSeconds: number, lastPlayedAt: string | null, playCount: number }>, bookmarks: Array<{ id: string, version: number, updatedAt: string, deleted: boolean, trackId: string | null, positionSeconds: number | null, label: string | null, note: string | null, createdAt: string | null }>, chatThreads: Array<{ id: string, version: number, updatedAt: string, deleted: boolean, title: string | null, summary: string | null, createdAt: string | null, lastMessageAt: string | null, context: { trackId: string | null, pieceId: string | null } | null }>, chatMessages: Array<{ id: string, version: number, updatedAt: string, deleted: boolean, threadId: string | null, role: ChatRole | null, text: string | null, createdAt: string | null, status: ChatMessageStatus | null, model: string | null, inputTokens: number | null, outputTokens: number | null, replyToId: string | null, error: { code: string, message: string, retryAt: string | null } | null }>, preferences: Array<{ id: string, version: number, updatedAt: string, deleted: boolean, language: string | null, contentLanguage: string | null, timeZone: string | null, notifications: boolean | null, dailyGoalMinutes: number | null, custom: Array<{ key: string, value: string }> }>, collections: Array<{ id: string, version: number, updatedAt: string, deleted: boolean, slug: string | null, kind: string | null, defaultLanguage: string | null, tags: Array<string>, coverImage: string | null, order: number, parentId: string | null, publishedAt: string | null, titles: Array<{ language: string, text: string }>, descriptions: Array<{ language: string, text: string }> }>, tracks: Array<{ id: string, version: number, updatedAt: string, deleted: boolean, collectionId: string | null, order: number, durationSeconds: number | null, language: string | null, tags: Array<string>, publishedAt: string | null, titles: Array<{ language: string, text: string }>, descriptions: Array<{ language: string, text: string }>, media: { audio: string | null, transcript: string | null, image: string | null } }> } };

export type SyncPushMutationVariables = Exact<{
  input: SyncPushInput;
}>;


export type SyncPushMutation = { syncPush: { lastMutationId: number, results: Array<{ mutationId: number, status: SyncStatus, code: string | null, message: string | null, conflictingFields: Array<string>, record:
        | { __typename: 'Bookmark', id: string, version: number, updatedAt: string, deleted: boolean, trackId: string | null, positionSeconds: number | null, label: string | null, note: string | null, createdAt: string | null }
        | { __typename: 'ChatMessage', id: string, version: number, updatedAt: string, deleted: boolean, threadId: string | null, role: ChatRole | null, text: string | null, createdAt: string | null, status: ChatMessageStatus | null, model: string | null, inputTokens: number | null, outputTokens: number | null, replyToId: string | null, error: { code: string, message: string, retryAt: string | null } | null }
        | { __typename: 'ChatThread', id: string, version: number, updatedAt: string, deleted: boolean, title: string | null, summary: string | null, createdAt: string | null, lastMessageAt: string | null, context: { trackId: string | null, pieceId: string | null } | null }
        | { __typename: 'Collection', id: string, version: number, updatedAt: string, deleted: boolean, slug: string | null, kind: string | null, defaultLanguage: string | null, tags: Array<string>, coverImage: string | null, order: number, parentId: string | null, publishedAt: string | null, titles: Array<{ language: string, text: string }>, descriptions: Array<{ language: string, text: string }> }
        | { __typename: 'Piece', id: string, version: number, updatedAt: string, deleted: boolean, title: string | null, category: string | null, language: string | null, lyrics: string | null, notes: string | null, tags: Array<string>, favorite: boolean, createdAt: string | null }
        | { __typename: 'PracticeSession', id: string, version: number, updatedAt: string, deleted: boolean, pieceId: string | null, trackId: string | null, startedAt: string | null, endedAt: string | null, durationSeconds: number | null, rating: number | null, notes: string | null }
        | { __typename: 'Preferences', id: string, version: number, updatedAt: string, deleted: boolean, language: string | null, contentLanguage: string | null, timeZone: string | null, notifications: boolean | null, dailyGoalMinutes: number | null, custom: Array<{ key: string, value: string }> }
        | { __typename: 'Progress', id: string, version: number, updatedAt: string, deleted: boolean, trackId: string | null, positionSeconds: number | null, durationSeconds: number | null, completed: boolean, completedAt: string | null, listenedSeconds: number, lastPlayedAt: string | null, playCount: number }
        | { __typename: 'Track', id: string, version: number, updatedAt: string, deleted: boolean, collectionId: string | null, order: number, durationSeconds: number | null, language: string | null, tags: Array<string>, publishedAt: string | null, titles: Array<{ language: string, text: string }>, descriptions: Array<{ language: string, text: string }>, media: { audio: string | null, transcript: string | null, image: string | null } }
       | null }> } };
