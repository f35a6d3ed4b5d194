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
  /** The entitlement users need for it and everything in it (one the plans file declares). */
  requires?: string | null | undefined;
  slug?: string | null | undefined;
  tags?: Array<string> | null | undefined;
  /** Every language of the title (replaces the previous set). */
  title?: Array<LocalizedTextInput> | null | undefined;
};

/** An editor's grant of an entitlement to an account. */
export type AdminGrantEntitlementInput = {
  /** An entitlement the plans file declares, e.g. premium. */
  entitlement: string;
  /** Null: for good. */
  expiresAt?: string | null | undefined;
  source?: GrantSource;
  /** The account (the user's id, `me.id`). */
  userId: string | number;
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
  /** The entitlement users need for this track (else its collection's). */
  requires?: string | null | undefined;
  tags?: Array<string> | null | undefined;
  title?: Array<LocalizedTextInput> | null | undefined;
};

/** A patch: `id` plus any fields. Omitted = unchanged; explicit null = cleared. */
export type AttachmentInput = {
  /** Required on create; fixed once uploaded. Over the limit: REJECTED TOO_LARGE. */
  byteSize?: number | null | undefined;
  /** Required on create; fixed once uploaded. Outside the allow-list: REJECTED TYPE_NOT_ALLOWED. */
  contentType?: string | null | undefined;
  durationSeconds?: number | null | undefined;
  height?: number | null | undefined;
  /** Client-generated UUID or ULID. */
  id: string | number;
  /** Required on create. */
  name?: string | null | undefined;
  parent?: AttachmentParentInput | null | undefined;
  /** Required on create; fixed once uploaded. Not a base64 SHA-256: REJECTED BAD_CHECKSUM. */
  sha256?: string | null | undefined;
  width?: number | null | undefined;
};

/** The record an attachment belongs to, by type and id. */
export type AttachmentParentInput = {
  id: string | number;
  type: AttachmentParentType;
};

/** The kind of record an attachment belongs to. */
export type AttachmentParentType =
  | 'BOOKMARK'
  | 'CHAT_MESSAGE'
  | 'CHAT_THREAD'
  | 'PIECE'
  | 'PRACTICE_SESSION';

/** Where an attachment's file stands. */
export type AttachmentStatus =
  /** The stored file did not match the record (see `failure`); save a new attachment. */
  | 'FAILED'
  /** The record is synced; its file is not (yet) uploaded and checked. */
  | 'PENDING_UPLOAD'
  /** The file is stored and matches the record. */
  | 'UPLOADED';

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

/** Exactly one record a thread is about: a catalog track or collection id, or the id of one of the profile's pieces, practice sessions or attachments (an attachment is read by the assistant with every message of the thread). */
export type ChatContextInput =
  {   attachmentId: string | number; collectionId?: never; pieceId?: never; sessionId?: never; trackId?: never; }
  |  { attachmentId?: never;   collectionId: string | number; pieceId?: never; sessionId?: never; trackId?: never; }
  |  { attachmentId?: never; collectionId?: never;   pieceId: string | number; sessionId?: never; trackId?: never; }
  |  { attachmentId?: never; collectionId?: never; pieceId?: never;   sessionId: string | number; trackId?: never; }
  |  { attachmentId?: never; collectionId?: never; pieceId?: never; sessionId?: never;   trackId: string | number; };

/** The kind of record a thread is about. */
export type ChatContextType =
  | 'ATTACHMENT'
  | 'COLLECTION'
  | 'PIECE'
  | 'PRACTICE_SESSION'
  | 'TRACK';

/** A patch: `id` plus any fields. Omitted = unchanged; explicit null = cleared. */
export type ChatMemoryInput = {
  /** Client-generated UUID or ULID (or a learned fact's id). */
  id: string | number;
  pinned?: boolean | null | undefined;
  /** 1-500 characters; required on create. */
  text?: string | null | undefined;
};

/** A user's message to the assistant. */
export type ChatMessageInput = {
  /** Up to 5 UPLOADED attachments of the profile for the assistant to read with this message, of a type and size the deployment's provider reads (docs/chat.md, Attachments). */
  attachmentIds?: Array<string | number> | null | undefined;
  /** Client-generated UUID or ULID. */
  id: string | number;
  /** 1-4,000 characters. */
  text: string;
  threadId: string | number;
};

/** The order of a thread's messages. */
export type ChatMessageOrder =
  /** The latest first (each reply, then the message it answers): open a long thread at its end and page back with `after`. */
  | 'NEWEST_FIRST'
  /** Conversation order: each user message, then its reply. */
  | 'OLDEST_FIRST';

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

/** A new thread, created online (createChatThread). */
export type CreateChatThreadInput = {
  /** What the thread is about: a record you may read in this profile. */
  context?: ChatContextInput | null | undefined;
  /** Client-generated UUID or ULID; sending the same id again returns the thread as it is. */
  id: string | number;
  /** Up to 200 characters. */
  title?: string | null | undefined;
};

export type CreateInviteInput = {
  /** 1-168. */
  expiresInHours?: number;
  profileId: string | number;
  /** Narrow what the role may read (null: the role's default). */
  read?: Array<ProfileArea> | null | undefined;
  role: ProfileRole;
  /** Narrow what the role may write (null: the role's default). */
  write?: Array<ProfileArea> | null | undefined;
};

export type CreateProfileInput = {
  /** 1-100 characters, e.g. the learner's first name. */
  name: string;
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

/** Where an entitlement comes from: a store purchase (APP_STORE, PLAY), an editor (ADMIN) or a promotion (PROMO). */
export type EntitlementSource =
  | 'ADMIN'
  | 'APP_STORE'
  | 'PLAY'
  | 'PROMO';

/** ACTIVE until expiresAt (for good without one); GRACE while the store retries a failed renewal (still usable until graceExpiresAt); EXPIRED; REVOKED (refunded or revoked: never usable again). */
export type EntitlementStatus =
  | 'ACTIVE'
  | 'EXPIRED'
  | 'GRACE'
  | 'REVOKED';

/** Where one step of an erasure stands. */
export type ErasureStatus =
  | 'ALREADY_DONE'
  | 'DONE'
  | 'NOT_CONFIGURED'
  | 'PENDING';

/** The sources an editor may grant. */
export type GrantSource =
  | 'ADMIN'
  | 'PROMO';

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

/** A part of a profile's data that a grant names. */
export type ProfileArea =
  | 'ATTACHMENTS'
  | 'BOOKMARKS'
  | 'CHAT'
  | 'PIECES'
  | 'PREFERENCES'
  | 'PROGRESS'
  | 'SESSIONS'
  | 'STATISTICS';

/** What a member may do with a profile's data by default (docs/people.md has the table). */
export type ProfileRole =
  | 'CAREGIVER'
  | 'GUARDIAN'
  | 'OWNER'
  | 'TEACHER';

export type RecordConsentInput = {
  granted: boolean;
  /** 1-40 of a-z 0-9 _, starting with a letter. */
  kind: string;
  /** A managed profile you are OWNER or GUARDIAN of (a learner's consents); default: your own. */
  profileId?: string | number | null | undefined;
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

/** A store purchase to redeem. APP_STORE: `signedTransaction` (StoreKit 2's Transaction.jwsRepresentation). PLAY: `purchaseToken` and `productId` from the Play Billing Library. */
export type RedeemPurchaseInput = {
  /** PLAY: the subscription's product id. */
  productId?: string | null | undefined;
  /** PLAY: the purchase token. */
  purchaseToken?: string | null | undefined;
  /** APP_STORE: the JWS. */
  signedTransaction?: string | null | undefined;
  store: Store;
};

/** "Mark as unplayed": not completed, position 0, unless a later report says otherwise. */
export type ResetProgressInput = {
  trackId: string | number;
};

export type SetPermissionsInput = {
  accountId: string | number;
  profileId: string | number;
  read?: Array<ProfileArea> | null | undefined;
  write?: Array<ProfileArea> | null | undefined;
};

/** The store a purchase was made in. */
export type Store =
  | 'APP_STORE'
  | 'PLAY';

/** Exactly one change. */
export type SyncChangeInput =
  {   /** Deletes its file too (every stored version). */
  deleteAttachment: DeleteInput; deleteBookmark?: never; deleteChatThread?: never; deleteMemory?: never; deletePiece?: never; deleteSession?: never; recordProgress?: never; resetProgress?: never; saveAttachment?: never; saveBookmark?: never; saveChatThread?: never; saveMemory?: never; savePiece?: never; savePreferences?: never; saveSession?: never; sendChatMessage?: never; }
  |  { deleteAttachment?: never;   deleteBookmark: DeleteInput; deleteChatThread?: never; deleteMemory?: never; deletePiece?: never; deleteSession?: never; recordProgress?: never; resetProgress?: never; saveAttachment?: never; saveBookmark?: never; saveChatThread?: never; saveMemory?: never; savePiece?: never; savePreferences?: never; saveSession?: never; sendChatMessage?: never; }
  |  { deleteAttachment?: never; deleteBookmark?: never;   /** Deleting a thread deletes its messages too. */
  deleteChatThread: DeleteInput; deleteMemory?: never; deletePiece?: never; deleteSession?: never; recordProgress?: never; resetProgress?: never; saveAttachment?: never; saveBookmark?: never; saveChatThread?: never; saveMemory?: never; savePiece?: never; savePreferences?: never; saveSession?: never; sendChatMessage?: never; }
  |  { deleteAttachment?: never; deleteBookmark?: never; deleteChatThread?: never;   /** Forget a fact: the assistant never learns it again. */
  deleteMemory: DeleteInput; deletePiece?: never; deleteSession?: never; recordProgress?: never; resetProgress?: never; saveAttachment?: never; saveBookmark?: never; saveChatThread?: never; saveMemory?: never; savePiece?: never; savePreferences?: never; saveSession?: never; sendChatMessage?: never; }
  |  { deleteAttachment?: never; deleteBookmark?: never; deleteChatThread?: never; deleteMemory?: never;   deletePiece: DeleteInput; deleteSession?: never; recordProgress?: never; resetProgress?: never; saveAttachment?: never; saveBookmark?: never; saveChatThread?: never; saveMemory?: never; savePiece?: never; savePreferences?: never; saveSession?: never; sendChatMessage?: never; }
  |  { deleteAttachment?: never; deleteBookmark?: never; deleteChatThread?: never; deleteMemory?: never; deletePiece?: never;   deleteSession: DeleteInput; recordProgress?: never; resetProgress?: never; saveAttachment?: never; saveBookmark?: never; saveChatThread?: never; saveMemory?: never; savePiece?: never; savePreferences?: never; saveSession?: never; sendChatMessage?: never; }
  |  { deleteAttachment?: never; deleteBookmark?: never; deleteChatThread?: never; deleteMemory?: never; deletePiece?: never; deleteSession?: never;   recordProgress: RecordProgressInput; resetProgress?: never; saveAttachment?: never; saveBookmark?: never; saveChatThread?: never; saveMemory?: never; savePiece?: never; savePreferences?: never; saveSession?: never; sendChatMessage?: never; }
  |  { deleteAttachment?: never; deleteBookmark?: never; deleteChatThread?: never; deleteMemory?: never; deletePiece?: never; deleteSession?: never; recordProgress?: never;   resetProgress: ResetProgressInput; saveAttachment?: never; saveBookmark?: never; saveChatThread?: never; saveMemory?: never; savePiece?: never; savePreferences?: never; saveSession?: never; sendChatMessage?: never; }
  |  { deleteAttachment?: never; deleteBookmark?: never; deleteChatThread?: never; deleteMemory?: never; deletePiece?: never; deleteSession?: never; recordProgress?: never; resetProgress?: never;   /** The record syncs now; upload its file separately (attachmentUploadUrl, completeAttachment). */
  saveAttachment: AttachmentInput; saveBookmark?: never; saveChatThread?: never; saveMemory?: never; savePiece?: never; savePreferences?: never; saveSession?: never; sendChatMessage?: never; }
  |  { deleteAttachment?: never; deleteBookmark?: never; deleteChatThread?: never; deleteMemory?: never; deletePiece?: never; deleteSession?: never; recordProgress?: never; resetProgress?: never; saveAttachment?: never;   saveBookmark: BookmarkInput; saveChatThread?: never; saveMemory?: never; savePiece?: never; savePreferences?: never; saveSession?: never; sendChatMessage?: never; }
  |  { deleteAttachment?: never; deleteBookmark?: never; deleteChatThread?: never; deleteMemory?: never; deletePiece?: never; deleteSession?: never; recordProgress?: never; resetProgress?: never; saveAttachment?: never; saveBookmark?: never;   saveChatThread: ChatThreadInput; saveMemory?: never; savePiece?: never; savePreferences?: never; saveSession?: never; sendChatMessage?: never; }
  |  { deleteAttachment?: never; deleteBookmark?: never; deleteChatThread?: never; deleteMemory?: never; deletePiece?: never; deleteSession?: never; recordProgress?: never; resetProgress?: never; saveAttachment?: never; saveBookmark?: never; saveChatThread?: never;   /** Add or edit a fact of the assistant's long-term memory (chatMemory). */
  saveMemory: ChatMemoryInput; savePiece?: never; savePreferences?: never; saveSession?: never; sendChatMessage?: never; }
  |  { deleteAttachment?: never; deleteBookmark?: never; deleteChatThread?: never; deleteMemory?: never; deletePiece?: never; deleteSession?: never; recordProgress?: never; resetProgress?: never; saveAttachment?: never; saveBookmark?: never; saveChatThread?: never; saveMemory?: never;   savePiece: PieceInput; savePreferences?: never; saveSession?: never; sendChatMessage?: never; }
  |  { deleteAttachment?: never; deleteBookmark?: never; deleteChatThread?: never; deleteMemory?: never; deletePiece?: never; deleteSession?: never; recordProgress?: never; resetProgress?: never; saveAttachment?: never; saveBookmark?: never; saveChatThread?: never; saveMemory?: never; savePiece?: never;   savePreferences: PreferencesInput; saveSession?: never; sendChatMessage?: never; }
  |  { deleteAttachment?: never; deleteBookmark?: never; deleteChatThread?: never; deleteMemory?: never; deletePiece?: never; deleteSession?: never; recordProgress?: never; resetProgress?: never; saveAttachment?: never; saveBookmark?: never; saveChatThread?: never; saveMemory?: never; savePiece?: never; savePreferences?: never;   saveSession: PracticeSessionInput; sendChatMessage?: never; }
  |  { deleteAttachment?: never; deleteBookmark?: never; deleteChatThread?: never; deleteMemory?: never; deletePiece?: never; deleteSession?: never; recordProgress?: never; resetProgress?: never; saveAttachment?: never; saveBookmark?: never; saveChatThread?: never; saveMemory?: never; savePiece?: never; savePreferences?: never; saveSession?: never;   /** The assistant's reply arrives with a later pull (often the next one). */
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
  /** The profile to follow (see `profiles`); default: your own. One cursor per profile; FORBIDDEN with reason ACCESS_REVOKED: delete the local copy of that profile. */
  profileId?: string | number | null | undefined;
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
  /** The profile to change (see `profiles`); default: your own. One queue per profile. */
  profileId?: string | number | null | undefined;
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


export type DevicesQuery = { devices: Array<{ clientId: string, name: string | null, platform: string | null, appVersion: string | null, firstSeenAt: string | null, lastSyncAt: string | null, lastMutationId: number, revoked: boolean, signInBound: boolean }> };

export type RevokeDeviceMutationVariables = Exact<{
  clientId: string | number;
  refreshToken?: string | null | undefined;
}>;


export type RevokeDeviceMutation = { revokeDevice: { clientId: string, revoked: boolean, signInBound: boolean } };

export type SignOutEverywhereMutationVariables = Exact<{ [key: string]: never; }>;


export type SignOutEverywhereMutation = { signOutEverywhere: { signedOutAt: string, refreshTokensRevoked: boolean } };

export type ConsentsQueryVariables = Exact<{
  kind?: string | null | undefined;
  history?: boolean | null | undefined;
  profileId?: string | number | null | undefined;
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

export type AttachmentUploadUrlMutationVariables = Exact<{
  id: string | number;
  profileId?: string | number | null | undefined;
}>;


export type AttachmentUploadUrlMutation = { attachmentUploadUrl: { url: string, method: string, expiresAt: string, headers: Array<{ name: string, value: string }> } };

export type CompleteAttachmentMutationVariables = Exact<{
  id: string | number;
  profileId?: string | number | null | undefined;
}>;


export type CompleteAttachmentMutation = { completeAttachment: { status: AttachmentStatus | null, id: string, version: number, updatedAt: string, deleted: boolean, name: string | null, contentType: string | null, byteSize: number | null, sha256: string | null, width: number | null, height: number | null, durationSeconds: number | null, failure: string | null, uploadedAt: string | null, createdAt: string | null, parent: { type: AttachmentParentType, id: string } | null } };

export type AttachmentUrlQueryVariables = Exact<{
  id: string | number;
  profileId?: string | number | null | undefined;
}>;


export type AttachmentUrlQuery = { attachmentUrl: { url: string, expiresAt: string } };

export type AttachmentQueryVariables = Exact<{
  id: string | number;
  profileId?: string | number | null | undefined;
}>;


export type AttachmentQuery = { attachment: { status: AttachmentStatus | null, id: string, version: number, updatedAt: string, deleted: boolean, name: string | null, contentType: string | null, byteSize: number | null, sha256: string | null, width: number | null, height: number | null, durationSeconds: number | null, failure: string | null, uploadedAt: string | null, createdAt: string | null, parent: { type: AttachmentParentType, id: string } | null } | null };

export type AttachmentQuotaQueryVariables = Exact<{
  profileId?: string | number | null | undefined;
}>;


export type AttachmentQuotaQuery = { attachmentQuota: { limitBytes: number, usedBytes: number, reservedBytes: number } };

export type BookmarksQueryVariables = Exact<{
  trackId: string | number;
  first?: number | null | undefined;
  after?: string | null | undefined;
  profileId?: string | number | null | undefined;
}>;


export type BookmarksQuery = { bookmarks: { nodes: Array<{ id: string, version: number, updatedAt: string, deleted: boolean, trackId: string | null, positionSeconds: number | null, label: string | null, note: string | null, createdAt: string | null }>, pageInfo: { endCursor: string | null, hasNextPage: boolean } } };

export type CollectionsQueryVariables = Exact<{
  parentId?: string | number | null | undefined;
  kind?: string | null | undefined;
  locale?: string | null | undefined;
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type CollectionsQuery = { collections: { nodes: Array<{ id: string, slug: string | null, kind: string | null, title: string | null, description: string | null, textLanguage: string | null, tags: Array<string>, coverImage: string | null, order: number, parentId: string | null, requires: string | null, locked: boolean }>, pageInfo: { endCursor: string | null, hasNextPage: boolean } } };

export type CollectionQueryVariables = Exact<{
  id?: string | number | null | undefined;
  slug?: string | null | undefined;
  locale?: string | null | undefined;
}>;


export type CollectionQuery = { collection: { id: string, slug: string | null, kind: string | null, title: string | null, description: string | null, textLanguage: string | null, tags: Array<string>, coverImage: string | null, order: number, parentId: string | null, requires: string | null, locked: boolean, tracks: Array<{ id: string, collectionId: string | null, order: number, title: string | null, description: string | null, textLanguage: string | null, durationSeconds: number | null, language: string | null, tags: Array<string>, requires: string | null, locked: boolean, media: { audio: string | null, transcript: string | null, image: string | null } }> } | null };

export type TrackQueryVariables = Exact<{
  id: string | number;
  locale?: string | null | undefined;
}>;


export type TrackQuery = { track: { id: string, collectionId: string | null, order: number, title: string | null, description: string | null, textLanguage: string | null, durationSeconds: number | null, language: string | null, tags: Array<string>, requires: string | null, locked: boolean, media: { audio: string | null, transcript: string | null, image: string | null } } | null };

export type SearchContentQueryVariables = Exact<{
  query: string;
  locale?: string | null | undefined;
  first?: number | null | undefined;
}>;


export type SearchContentQuery = { searchContent: Array<{ score: number, item:
      | { __typename: 'Collection', id: string, slug: string | null, kind: string | null, title: string | null, description: string | null, textLanguage: string | null, tags: Array<string>, coverImage: string | null, order: number, parentId: string | null, requires: string | null, locked: boolean }
      | { __typename: 'Track', id: string, collectionId: string | null, order: number, title: string | null, description: string | null, textLanguage: string | null, durationSeconds: number | null, language: string | null, tags: Array<string>, requires: string | null, locked: boolean, media: { audio: string | null, transcript: string | null, image: string | null } }
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


export type AdminCollectionQuery = { collection: { visible: boolean, id: string, version: number, updatedAt: string, deleted: boolean, slug: string | null, kind: string | null, defaultLanguage: string | null, tags: Array<string>, coverImage: string | null, order: number, parentId: string | null, publishedAt: string | null, requires: string | null, locked: boolean, tracks: Array<{ visible: boolean, id: string, version: number, updatedAt: string, deleted: boolean, collectionId: string | null, order: number, durationSeconds: number | null, language: string | null, tags: Array<string>, publishedAt: string | null, requires: string | null, locked: boolean, titles: Array<{ language: string, text: string }>, descriptions: Array<{ language: string, text: string }>, media: { audio: string | null, transcript: string | null, image: string | null } }>, titles: Array<{ language: string, text: string }>, descriptions: Array<{ language: string, text: string }> } | null };

export type AdminSaveCollectionMutationVariables = Exact<{
  input: AdminCollectionInput;
}>;


export type AdminSaveCollectionMutation = { adminSaveCollection: { id: string, version: number, updatedAt: string, deleted: boolean, slug: string | null, kind: string | null, defaultLanguage: string | null, tags: Array<string>, coverImage: string | null, order: number, parentId: string | null, publishedAt: string | null, requires: string | null, locked: boolean, titles: Array<{ language: string, text: string }>, descriptions: Array<{ language: string, text: string }> } };

export type AdminSaveTrackMutationVariables = Exact<{
  input: AdminTrackInput;
}>;


export type AdminSaveTrackMutation = { adminSaveTrack: { id: string, version: number, updatedAt: string, deleted: boolean, collectionId: string | null, order: number, durationSeconds: number | null, language: string | null, tags: Array<string>, publishedAt: string | null, requires: string | null, locked: boolean, titles: Array<{ language: string, text: string }>, descriptions: Array<{ language: string, text: string }>, media: { audio: string | null, transcript: string | null, image: string | null } } };

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
  profileId?: string | number | null | undefined;
}>;


export type ChatThreadsQuery = { chatThreads: { nodes: Array<{ id: string, version: number, updatedAt: string, deleted: boolean, title: string | null, summary: string | null, createdAt: string | null, lastMessageAt: string | null, context: { type: ChatContextType | null, id: string | null, trackId: string | null, collectionId: string | null, pieceId: string | null, sessionId: string | null, attachmentId: string | null } | null }>, pageInfo: { endCursor: string | null, hasNextPage: boolean } } };

export type ChatThreadQueryVariables = Exact<{
  id: string | number;
  profileId?: string | number | null | undefined;
}>;


export type ChatThreadQuery = { chatThread: { id: string, version: number, updatedAt: string, deleted: boolean, title: string | null, summary: string | null, createdAt: string | null, lastMessageAt: string | null, context: { type: ChatContextType | null, id: string | null, trackId: string | null, collectionId: string | null, pieceId: string | null, sessionId: string | null, attachmentId: string | null } | null } | null };

export type ChatMessagesQueryVariables = Exact<{
  threadId: string | number;
  first?: number | null | undefined;
  after?: string | null | undefined;
  profileId?: string | number | null | undefined;
  order?: ChatMessageOrder | null | undefined;
}>;


export type ChatMessagesQuery = { chatMessages: { nodes: Array<{ id: string, version: number, updatedAt: string, deleted: boolean, threadId: string | null, role: ChatRole | null, text: string | null, createdAt: string | null, status: ChatMessageStatus | null, model: string | null, inputTokens: number | null, outputTokens: number | null, replyToId: string | null, attachmentIds: Array<string>, error: { code: string, message: string, retryAt: string | null } | null }>, pageInfo: { endCursor: string | null, hasNextPage: boolean } } };

export type ChatSuggestionsQueryVariables = Exact<{
  context?: ChatContextInput | null | undefined;
  language?: string | null | undefined;
}>;


export type ChatSuggestionsQuery = { chatSuggestions: { language: string, prompts: Array<string> } };

export type CreateChatThreadMutationVariables = Exact<{
  input: CreateChatThreadInput;
  profileId?: string | number | null | undefined;
}>;


export type CreateChatThreadMutation = { createChatThread: { id: string, version: number, updatedAt: string, deleted: boolean, title: string | null, summary: string | null, createdAt: string | null, lastMessageAt: string | null, context: { type: ChatContextType | null, id: string | null, trackId: string | null, collectionId: string | null, pieceId: string | null, sessionId: string | null, attachmentId: string | null } | null } };

export type SendChatMessageMutationVariables = Exact<{
  input: ChatMessageInput;
  profileId?: string | number | null | undefined;
}>;


export type SendChatMessageMutation = { sendChatMessage: { id: string, version: number, updatedAt: string, deleted: boolean, threadId: string | null, role: ChatRole | null, text: string | null, createdAt: string | null, status: ChatMessageStatus | null, model: string | null, inputTokens: number | null, outputTokens: number | null, replyToId: string | null, attachmentIds: Array<string>, error: { code: string, message: string, retryAt: string | null } | null } };

export type RetryChatReplyMutationVariables = Exact<{
  messageId: string | number;
  profileId?: string | number | null | undefined;
}>;


export type RetryChatReplyMutation = { retryChatReply: { id: string, version: number, updatedAt: string, deleted: boolean, threadId: string | null, role: ChatRole | null, text: string | null, createdAt: string | null, status: ChatMessageStatus | null, model: string | null, inputTokens: number | null, outputTokens: number | null, replyToId: string | null, attachmentIds: Array<string>, error: { code: string, message: string, retryAt: string | null } | null } };

export type MyEntitlementsQueryVariables = Exact<{ [key: string]: never; }>;


export type MyEntitlementsQuery = { me: { id: string, features: Array<string>, entitlements: Array<{ id: string, version: number, updatedAt: string, deleted: boolean, name: string | null, source: EntitlementSource | null, status: EntitlementStatus, productId: string | null, expiresAt: string | null, graceExpiresAt: string | null, revokedAt: string | null, reason: string | null, environment: string | null, willRenew: boolean | null }> } };

export type AdminGrantEntitlementMutationVariables = Exact<{
  input: AdminGrantEntitlementInput;
}>;


export type AdminGrantEntitlementMutation = { adminGrantEntitlement: { id: string, version: number, updatedAt: string, deleted: boolean, name: string | null, source: EntitlementSource | null, status: EntitlementStatus, productId: string | null, expiresAt: string | null, graceExpiresAt: string | null, revokedAt: string | null, reason: string | null, environment: string | null, willRenew: boolean | null } };

export type AdminRevokeEntitlementMutationVariables = Exact<{
  userId: string | number;
  entitlement: string;
}>;


export type AdminRevokeEntitlementMutation = { adminRevokeEntitlement: Array<{ id: string, version: number, updatedAt: string, deleted: boolean, name: string | null, source: EntitlementSource | null, status: EntitlementStatus, productId: string | null, expiresAt: string | null, graceExpiresAt: string | null, revokedAt: string | null, reason: string | null, environment: string | null, willRenew: boolean | null }> };

export type RedeemPurchaseMutationVariables = Exact<{
  input: RedeemPurchaseInput;
}>;


export type RedeemPurchaseMutation = { redeemPurchase: { entitlements: Array<{ id: string, version: number, updatedAt: string, deleted: boolean, name: string | null, source: EntitlementSource | null, status: EntitlementStatus, productId: string | null, expiresAt: string | null, graceExpiresAt: string | null, revokedAt: string | null, reason: string | null, environment: string | null, willRenew: boolean | null }> } };

export type PieceFieldsFragment = { id: string, version: number, updatedAt: string, deleted: boolean, title: string | null, category: string | null, language: string | null, lyrics: string | null, notes: string | null, tags: Array<string>, favorite: boolean, createdAt: string | null };

export type PracticeSessionFieldsFragment = { id: string, version: number, updatedAt: string, deleted: boolean, pieceId: string | null, trackId: string | null, startedAt: string | null, endedAt: string | null, durationSeconds: number | null, rating: number | null, notes: string | null };

export type ProgressFieldsFragment = { id: string, version: number, updatedAt: string, deleted: boolean, trackId: string | null, positionSeconds: number | null, durationSeconds: number | null, completed: boolean, completedAt: string | null, listenedSeconds: number, lastPlayedAt: string | null, playCount: number };

export type BookmarkFieldsFragment = { id: string, version: number, updatedAt: string, deleted: boolean, trackId: string | null, positionSeconds: number | null, label: string | null, note: string | null, createdAt: string | null };

export type AttachmentFieldsFragment = { status: AttachmentStatus | null, id: string, version: number, updatedAt: string, deleted: boolean, name: string | null, contentType: string | null, byteSize: number | null, sha256: string | null, width: number | null, height: number | null, durationSeconds: number | null, failure: string | null, uploadedAt: string | null, createdAt: string | null, parent: { type: AttachmentParentType, id: string } | null };

export type AttachmentMetadataFragment = { id: string, version: number, updatedAt: string, deleted: boolean, name: string | null, contentType: string | null, byteSize: number | null, sha256: string | null, width: number | null, height: number | null, durationSeconds: number | null, failure: string | null, uploadedAt: string | null, createdAt: string | null, parent: { type: AttachmentParentType, id: string } | null };

export type ChatThreadFieldsFragment = { id: string, version: number, updatedAt: string, deleted: boolean, title: string | null, summary: string | null, createdAt: string | null, lastMessageAt: string | null, context: { type: ChatContextType | null, id: string | null, trackId: string | null, collectionId: string | null, pieceId: string | null, sessionId: string | null, attachmentId: string | null } | null };

export type ChatMessageFieldsFragment = { id: string, version: number, updatedAt: string, deleted: boolean, threadId: string | null, role: ChatRole | null, text: string | null, createdAt: string | null, status: ChatMessageStatus | null, model: string | null, inputTokens: number | null, outputTokens: number | null, replyToId: string | null, attachmentIds: Array<string>, error: { code: string, message: string, retryAt: string | null } | null };

export type PreferencesFieldsFragment = { id: string, version: number, updatedAt: string, deleted: boolean, language: string | null, contentLanguage: string | null, timeZone: string | null, notifications: boolean | null, dailyGoalMinutes: number | null, custom: Array<{ key: string, value: string }> };

export type ChatMemoryFieldsFragment = { id: string, version: number, updatedAt: string, deleted: boolean, text: string | null, pinned: boolean, createdAt: string | null };

type SyncRecordFields_Attachment_Fragment = { __typename: 'Attachment', id: string, version: number, updatedAt: string, deleted: boolean, name: string | null, contentType: string | null, byteSize: number | null, sha256: string | null, width: number | null, height: number | null, durationSeconds: number | null, failure: string | null, uploadedAt: string | null, createdAt: string | null, uploadStatus: AttachmentStatus | null, parent: { type: AttachmentParentType, id: string } | null };

type SyncRecordFields_Bookmark_Fragment = { __typename: 'Bookmark', id: string, version: number, updatedAt: string, deleted: boolean, trackId: string | null, positionSeconds: number | null, label: string | null, note: string | null, createdAt: string | null };

type SyncRecordFields_ChatMemory_Fragment = { __typename: 'ChatMemory', id: string, version: number, updatedAt: string, deleted: boolean, text: string | null, pinned: boolean, createdAt: string | null };

type SyncRecordFields_ChatMessage_Fragment = { __typename: 'ChatMessage', id: string, version: number, updatedAt: string, deleted: boolean, threadId: string | null, role: ChatRole | null, text: string | null, createdAt: string | null, status: ChatMessageStatus | null, model: string | null, inputTokens: number | null, outputTokens: number | null, replyToId: string | null, attachmentIds: Array<string>, error: { code: string, message: string, retryAt: string | null } | null };

type SyncRecordFields_ChatThread_Fragment = { __typename: 'ChatThread', id: string, version: number, updatedAt: string, deleted: boolean, title: string | null, summary: string | null, createdAt: string | null, lastMessageAt: string | null, context: { type: ChatContextType | null, id: string | null, trackId: string | null, collectionId: string | null, pieceId: string | null, sessionId: string | null, attachmentId: string | null } | null };

type SyncRecordFields_Collection_Fragment = { __typename: 'Collection', id: string, version: number, updatedAt: string, deleted: boolean, slug: string | null, kind: string | null, defaultLanguage: string | null, tags: Array<string>, coverImage: string | null, order: number, parentId: string | null, publishedAt: string | null, requires: string | null, locked: boolean, titles: Array<{ language: string, text: string }>, descriptions: Array<{ language: string, text: string }> };

type SyncRecordFields_Piece_Fragment = { __typename: 'Piece', id: string, version: number, updatedAt: string, deleted: boolean, title: string | null, category: string | null, language: string | null, lyrics: string | null, notes: string | null, tags: Array<string>, favorite: boolean, createdAt: string | null };

type SyncRecordFields_PracticeSession_Fragment = { __typename: 'PracticeSession', id: string, version: number, updatedAt: string, deleted: boolean, pieceId: string | null, trackId: string | null, startedAt: string | null, endedAt: string | null, durationSeconds: number | null, rating: number | null, notes: string | null };

type SyncRecordFields_Preferences_Fragment = { __typename: 'Preferences', id: string, version: number, updatedAt: string, deleted: boolean, language: string | null, contentLanguage: string | null, timeZone: string | null, notifications: boolean | null, dailyGoalMinutes: number | null, custom: Array<{ key: string, value: string }> };

type SyncRecordFields_Progress_Fragment = { __typename: 'Progress', id: string, version: number, updatedAt: string, deleted: boolean, trackId: string | null, positionSeconds: number | null, durationSeconds: number | null, completed: boolean, completedAt: string | null, listenedSeconds: number, lastPlayedAt: string | null, playCount: number };

type SyncRecordFields_Track_Fragment = { __typename: 'Track', id: string, version: number, updatedAt: string, deleted: boolean, collectionId: string | null, order: number, durationSeconds: number | null, language: string | null, tags: Array<string>, publishedAt: string | null, requires: string | null, locked: boolean, titles: Array<{ language: string, text: string }>, descriptions: Array<{ language: string, text: string }>, media: { audio: string | null, transcript: string | null, image: string | null } };

export type SyncRecordFieldsFragment =
  | SyncRecordFields_Attachment_Fragment
  | SyncRecordFields_Bookmark_Fragment
  | SyncRecordFields_ChatMemory_Fragment
  | SyncRecordFields_ChatMessage_Fragment
  | SyncRecordFields_ChatThread_Fragment
  | SyncRecordFields_Collection_Fragment
  | SyncRecordFields_Piece_Fragment
  | SyncRecordFields_PracticeSession_Fragment
  | SyncRecordFields_Preferences_Fragment
  | SyncRecordFields_Progress_Fragment
  | SyncRecordFields_Track_Fragment
;

export type CollectionFieldsFragment = { id: string, version: number, updatedAt: string, deleted: boolean, slug: string | null, kind: string | null, defaultLanguage: string | null, tags: Array<string>, coverImage: string | null, order: number, parentId: string | null, publishedAt: string | null, requires: string | null, locked: boolean, titles: Array<{ language: string, text: string }>, descriptions: Array<{ language: string, text: string }> };

export type TrackFieldsFragment = { id: string, version: number, updatedAt: string, deleted: boolean, collectionId: string | null, order: number, durationSeconds: number | null, language: string | null, tags: Array<string>, publishedAt: string | null, requires: string | null, locked: boolean, titles: Array<{ language: string, text: string }>, descriptions: Array<{ language: string, text: string }>, media: { audio: string | null, transcript: string | null, image: string | null } };

export type CollectionCardFragment = { id: string, slug: string | null, kind: string | null, title: string | null, description: string | null, textLanguage: string | null, tags: Array<string>, coverImage: string | null, order: number, parentId: string | null, requires: string | null, locked: boolean };

export type TrackRowFragment = { id: string, collectionId: string | null, order: number, title: string | null, description: string | null, textLanguage: string | null, durationSeconds: number | null, language: string | null, tags: Array<string>, requires: string | null, locked: boolean, media: { audio: string | null, transcript: string | null, image: string | null } };

export type EntitlementFieldsFragment = { id: string, version: number, updatedAt: string, deleted: boolean, name: string | null, source: EntitlementSource | null, status: EntitlementStatus, productId: string | null, expiresAt: string | null, graceExpiresAt: string | null, revokedAt: string | null, reason: string | null, environment: string | null, willRenew: boolean | null };

export type MeQueryVariables = Exact<{ [key: string]: never; }>;


export type MeQuery = { me: { id: string, email: string | null, name: string | null, isAdmin: boolean, createdAt: string, lastSeenAt: string, preferences: { id: string, version: number, updatedAt: string, deleted: boolean, language: string | null, contentLanguage: string | null, timeZone: string | null, notifications: boolean | null, dailyGoalMinutes: number | null, custom: Array<{ key: string, value: string }> } } };

export type ProfileFieldsFragment = { id: string, name: string | null, managed: boolean, role: ProfileRole, permissions: { read: Array<ProfileArea>, write: Array<ProfileArea>, chat: boolean } };

export type ProfilesQueryVariables = Exact<{ [key: string]: never; }>;


export type ProfilesQuery = { profiles: Array<{ id: string, name: string | null, managed: boolean, role: ProfileRole, permissions: { read: Array<ProfileArea>, write: Array<ProfileArea>, chat: boolean } }> };

export type CreateProfileMutationVariables = Exact<{
  input: CreateProfileInput;
}>;


export type CreateProfileMutation = { createProfile: { id: string, name: string | null, managed: boolean, role: ProfileRole, permissions: { read: Array<ProfileArea>, write: Array<ProfileArea>, chat: boolean } } };

export type CreateInviteMutationVariables = Exact<{
  input: CreateInviteInput;
}>;


export type CreateInviteMutation = { createInvite: { code: string, profileId: string, role: ProfileRole, expiresAt: string } };

export type AcceptInviteMutationVariables = Exact<{
  code: string;
}>;


export type AcceptInviteMutation = { acceptInvite: { id: string, name: string | null, managed: boolean, role: ProfileRole, permissions: { read: Array<ProfileArea>, write: Array<ProfileArea>, chat: boolean } } };

export type MembersQueryVariables = Exact<{
  profileId: string | number;
}>;


export type MembersQuery = { members: Array<{ accountId: string, name: string | null, role: ProfileRole, grantedAt: string, permissions: { read: Array<ProfileArea>, write: Array<ProfileArea>, chat: boolean } }> };

export type SetPermissionsMutationVariables = Exact<{
  input: SetPermissionsInput;
}>;


export type SetPermissionsMutation = { setPermissions: { accountId: string, role: ProfileRole, permissions: { read: Array<ProfileArea>, write: Array<ProfileArea> } } };

export type RevokeAccessMutationVariables = Exact<{
  profileId: string | number;
  accountId: string | number;
}>;


export type RevokeAccessMutation = { revokeAccess: boolean };

export type LeaveProfileMutationVariables = Exact<{
  profileId: string | number;
}>;


export type LeaveProfileMutation = { leaveProfile: boolean };

export type TransferProfileMutationVariables = Exact<{
  profileId: string | number;
  expiresInHours?: number | null | undefined;
}>;


export type TransferProfileMutation = { transferProfile: { code: string, profileId: string, role: ProfileRole, expiresAt: string } };

export type AccessLogQueryVariables = Exact<{
  profileId: string | number;
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type AccessLogQuery = { accessLog: { endCursor: string | null, hasNextPage: boolean, nodes: Array<{ accountId: string, at: string, operation: string, collections: Array<string> }> } };

export type ProfilesOverviewQueryVariables = Exact<{
  timeZone: string;
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type ProfilesOverviewQuery = { profilesOverview: { endCursor: string | null, hasNextPage: boolean, nodes: Array<{ lastActivityAt: string | null, listenedMinutes: number, practicedMinutes: number, currentStreakDays: number, profile: { id: string, name: string | null, role: ProfileRole } }> } };

export type DeleteProfileMutationVariables = Exact<{
  profileId: string | number;
  confirm: string;
}>;


export type DeleteProfileMutation = { deleteProfile: { complete: boolean, itemsDeleted: number, objectsDeleted: number } };

export type PiecesQueryVariables = Exact<{
  first?: number | null | undefined;
  after?: string | null | undefined;
  profileId?: string | number | null | undefined;
}>;


export type PiecesQuery = { pieces: { nodes: Array<{ id: string, version: number, updatedAt: string, title: string | null, category: string | null, language: string | null, tags: Array<string>, favorite: boolean, createdAt: string | null }>, pageInfo: { endCursor: string | null, hasNextPage: boolean } } };

export type PieceQueryVariables = Exact<{
  id: string | number;
  profileId?: string | number | null | undefined;
}>;


export type PieceQuery = { piece: { id: string, version: number, updatedAt: string, deleted: boolean, title: string | null, category: string | null, language: string | null, lyrics: string | null, notes: string | null, tags: Array<string>, favorite: boolean, createdAt: string | null } | null };

export type ProgressQueryVariables = Exact<{
  trackId: string | number;
  profileId?: string | number | null | undefined;
}>;


export type ProgressQuery = { progress: { id: string, version: number, updatedAt: string, deleted: boolean, trackId: string | null, positionSeconds: number | null, durationSeconds: number | null, completed: boolean, completedAt: string | null, listenedSeconds: number, lastPlayedAt: string | null, playCount: number } | null };

export type ProgressListQueryVariables = Exact<{
  first?: number | null | undefined;
  after?: string | null | undefined;
  completed?: boolean | null | undefined;
  profileId?: string | number | null | undefined;
}>;


export type ProgressListQuery = { progressList: { nodes: Array<{ id: string, version: number, updatedAt: string, deleted: boolean, trackId: string | null, positionSeconds: number | null, durationSeconds: number | null, completed: boolean, completedAt: string | null, listenedSeconds: number, lastPlayedAt: string | null, playCount: number }>, pageInfo: { endCursor: string | null, hasNextPage: boolean } } };

export type ProgressStatsQueryVariables = Exact<{
  range: DateRangeInput;
  timeZone: string;
  profileId?: string | number | null | undefined;
}>;


export type ProgressStatsQuery = { progressStats: { from: string, to: string, timeZone: string, listenedSeconds: number, tracksCompleted: number, practiceSessions: number, practiceMinutes: number, currentStreakDays: number, longestStreakDays: number, days: Array<{ date: string, listenedSeconds: number, tracksCompleted: number, practiceSessions: number, practiceMinutes: number, active: boolean }> } };

export type SessionsQueryVariables = Exact<{
  first?: number | null | undefined;
  after?: string | null | undefined;
  pieceId?: string | number | null | undefined;
  profileId?: string | number | null | undefined;
}>;


export type SessionsQuery = { sessions: { nodes: Array<{ id: string, version: number, updatedAt: string, deleted: boolean, pieceId: string | null, trackId: string | null, startedAt: string | null, endedAt: string | null, durationSeconds: number | null, rating: number | null, notes: string | null }>, pageInfo: { endCursor: string | null, hasNextPage: boolean } } };

export type SessionQueryVariables = Exact<{
  id: string | number;
  profileId?: string | number | null | undefined;
}>;


export type SessionQuery = { session: { id: string, version: number, updatedAt: string, deleted: boolean, pieceId: string | null, trackId: string | null, startedAt: string | null, endedAt: string | null, durationSeconds: number | null, rating: number | null, notes: string | null } | null };

export type SyncPullQueryVariables = Exact<{
  input: SyncPullInput;
}>;


export type SyncPullQuery = { syncPull: { cursor: string, hasMore: boolean, resetRequired: boolean, lastMutationId: number, pieces: Array<{ id: string, version: number, updatedAt: string, deleted: boolean, title: string | null, category: string | null, language: string | null, lyrics: string | null, notes: string | null, tags: Array<string>, favorite: boolean, createdAt: string | null }>, sessions: Array<{ id: string, version: number, updatedAt: string, deleted: boolean, pieceId: string | null, trackId: string | null, startedAt: string | null, endedAt: string | null, durationSeconds: number | null, rating: number | null, notes: string | null }>, progress: Array<{ id: string, version: number, updatedAt: string, deleted: boolean, trackId: string | null, positionSeconds: number | null, durationSeconds: number | null, completed: boolean, completedAt: string | null, listenedSeconds: number, lastPlayedAt: string | null, playCount: number }>, bookmarks: Array<{ id: string, version: number, updatedAt: string, deleted: boolean, trackId: string | null, positionSeconds: number | null, label: string | null, note: string | null, createdAt: string | null }>, chatThreads: Array<{ id: string, version: number, updatedAt: string, deleted: boolean, title: string | null, summary: string | null, createdAt: string | null, lastMessageAt: string | null, context: { type: ChatContextType | null, id: string | null, trackId: string | null, collectionId: string | null, pieceId: string | null, sessionId: string | null, attachmentId: string | null } | null }>, chatMessages: Array<{ id: string, version: number, updatedAt: string, deleted: boolean, threadId: string | null, role: ChatRole | null, text: string | null, createdAt: string | null, status: ChatMessageStatus | null, model: string | null, inputTokens: number | null, outputTokens: number | null, replyToId: string | null, attachmentIds: Array<string>, error: { code: string, message: string, retryAt: string | null } | null }>, chatMemory: Array<{ id: string, version: number, updatedAt: string, deleted: boolean, text: string | null, pinned: boolean, createdAt: string | null }>, preferences: Array<{ id: string, version: number, updatedAt: string, deleted: boolean, language: string | null, contentLanguage: string | null, timeZone: string | null, notifications: boolean | null, dailyGoalMinutes: number | null, custom: Array<{ key: string, value: string }> }>, collections: Array<{ id: string, version: number, updatedAt: string, deleted: boolean, slug: string | null, kind: string | null, defaultLanguage: string | null, tags: Array<string>, coverImage: string | null, order: number, parentId: string | null, publishedAt: string | null, requires: string | null, locked: boolean, titles: Array<{ language: string, text: string }>, descriptions: Array<{ language: string, text: string }> }>, tracks: Array<{ id: string, version: number, updatedAt: string, deleted: boolean, collectionId: string | null, order: number, durationSeconds: number | null, language: string | null, tags: Array<string>, publishedAt: string | null, requires: string | null, locked: boolean, titles: Array<{ language: string, text: string }>, descriptions: Array<{ language: string, text: string }>, media: { audio: string | null, transcript: string | null, image: string | null } }>, entitlements: Array<{ id: string, version: number, updatedAt: string, deleted: boolean, name: string | null, source: EntitlementSource | null, status: EntitlementStatus, productId: string | null, expiresAt: string | null, graceExpiresAt: string | null, revokedAt: string | null, reason: string | null, environment: string | null, willRenew: boolean | null }>, attachments: Array<{ status: AttachmentStatus | null, id: string, version: number, updatedAt: string, deleted: boolean, name: string | null, contentType: string | null, byteSize: number | null, sha256: string | null, width: number | null, height: number | null, durationSeconds: number | null, failure: string | null, uploadedAt: string | null, createdAt: string | null, parent: { type: AttachmentParentType, id: string } | null }> } };

export type SyncPushMutationVariables = Exact<{
  input: SyncPushInput;
}>;


export type SyncPushMutation = { syncPush: { lastMutationId: number, results: Array<{ mutationId: number, status: SyncStatus, code: string | null, message: string | null, conflictingFields: Array<string>, record:
        | { __typename: 'Attachment', id: string, version: number, updatedAt: string, deleted: boolean, name: string | null, contentType: string | null, byteSize: number | null, sha256: string | null, width: number | null, height: number | null, durationSeconds: number | null, failure: string | null, uploadedAt: string | null, createdAt: string | null, uploadStatus: AttachmentStatus | null, parent: { type: AttachmentParentType, id: string } | null }
        | { __typename: 'Bookmark', id: string, version: number, updatedAt: string, deleted: boolean, trackId: string | null, positionSeconds: number | null, label: string | null, note: string | null, createdAt: string | null }
        | { __typename: 'ChatMemory', id: string, version: number, updatedAt: string, deleted: boolean, text: string | null, pinned: boolean, createdAt: string | null }
        | { __typename: 'ChatMessage', id: string, version: number, updatedAt: string, deleted: boolean, threadId: string | null, role: ChatRole | null, text: string | null, createdAt: string | null, status: ChatMessageStatus | null, model: string | null, inputTokens: number | null, outputTokens: number | null, replyToId: string | null, attachmentIds: Array<string>, error: { code: string, message: string, retryAt: string | null } | null }
        | { __typename: 'ChatThread', id: string, version: number, updatedAt: string, deleted: boolean, title: string | null, summary: string | null, createdAt: string | null, lastMessageAt: string | null, context: { type: ChatContextType | null, id: string | null, trackId: string | null, collectionId: string | null, pieceId: string | null, sessionId: string | null, attachmentId: string | null } | null }
        | { __typename: 'Collection', id: string, version: number, updatedAt: string, deleted: boolean, slug: string | null, kind: string | null, defaultLanguage: string | null, tags: Array<string>, coverImage: string | null, order: number, parentId: string | null, publishedAt: string | null, requires: string | null, locked: boolean, titles: Array<{ language: string, text: string }>, descriptions: Array<{ language: string, text: string }> }
        | { __typename: 'Piece', id: string, version: number, updatedAt: string, deleted: boolean, title: string | null, category: string | null, language: string | null, lyrics: string | null, notes: string | null, tags: Array<string>, favorite: boolean, createdAt: string | null }
        | { __typename: 'PracticeSession', id: string, version: number, updatedAt: string, deleted: boolean, pieceId: string | null, trackId: string | null, startedAt: string | null, endedAt: string | null, durationSeconds: number | null, rating: number | null, notes: string | null }
        | { __typename: 'Preferences', id: string, version: number, updatedAt: string, deleted: boolean, language: string | null, contentLanguage: string | null, timeZone: string | null, notifications: boolean | null, dailyGoalMinutes: number | null, custom: Array<{ key: string, value: string }> }
        | { __typename: 'Progress', id: string, version: number, updatedAt: string, deleted: boolean, trackId: string | null, positionSeconds: number | null, durationSeconds: number | null, completed: boolean, completedAt: string | null, listenedSeconds: number, lastPlayedAt: string | null, playCount: number }
        | { __typename: 'Track', id: string, version: number, updatedAt: string, deleted: boolean, collectionId: string | null, order: number, durationSeconds: number | null, language: string | null, tags: Array<string>, publishedAt: string | null, requires: string | null, locked: boolean, titles: Array<{ language: string, text: string }>, descriptions: Array<{ language: string, text: string }>, media: { audio: string | null, transcript: string | null, image: string | null } }
       | null }> } };
