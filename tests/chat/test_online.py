"""Chat for online apps (issue 15 item 4) and chat in a managed profile (profileId): a thread
created without a sync queue, newest-first messages, contexts any readable record by type and
id, localized suggestions with fallback."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.chat.conftest import push, thread_messages
from tests.conftest import GraphQLClient
from tests.operations import operation
from tests.people.conftest import Person, device_of, reason
from tests.people.conftest import people_client as people_client
from tests.people.conftest import people_clock as people_clock
from tests.people.conftest import person as person
from tests.people.conftest import services as services
from tests.sync.conftest import Device, at, new_id
from tether.chat.model import reply_id


def create(gql: GraphQLClient, **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = gql(operation("CreateChatThread"), {"input": fields})
    return body


def test_create_chat_thread_is_the_synced_record_and_safe_to_retry(gql: GraphQLClient) -> None:
    thread_id = new_id()
    made = create(gql, id=thread_id, title="Sleep questions")["data"]["createChatThread"]
    assert (made["id"], made["title"], made["deleted"]) == (thread_id, "Sleep questions", False)
    # A device sees the same record in its pull.
    tablet = Device(gql, "tablet")
    tablet.follows = ("chatThreads",)
    tablet.sync_all()
    assert tablet.local[thread_id]["title"] == "Sleep questions"
    # The app retries (same id): the thread comes back as it is, never overwritten, no new version.
    again = create(gql, id=thread_id, title="A title typed since")["data"]["createChatThread"]
    assert (again["title"], again["version"]) == ("Sleep questions", made["version"])
    assert tablet.pull()["chatThreads"] == []  # nothing new to pull
    # A deleted thread stays deleted.
    push(
        gql,
        "phone",
        [{"mutationId": 1, "changedAt": at(6), "change": {"deleteChatThread": {"id": thread_id}}}],
    )
    body = create(gql, id=thread_id, title="again")
    assert body["errors"][0]["extensions"]["code"] == "CONFLICT"
    assert body["errors"][0]["extensions"]["reason"] == "RECORD_DELETED"


def test_a_context_is_any_record_the_caller_may_read_never_another_profiles(
    gql: GraphQLClient, chat_client: Callable[..., GraphQLClient]
) -> None:
    phone = Device(gql, "phone")
    piece, session = new_id(), new_id()
    phone.save_piece(at(0), id=piece, title="Kawika")
    phone.save_session(at(1), id=session, pieceId=piece, startedAt=at(1), durationSeconds=600)
    phone.push()
    mallory = chat_client(user="mallory")
    theirs = Device(mallory, "mallory-phone")
    their_piece = new_id()
    theirs.save_piece(at(0), id=their_piece, title="Secret piece")
    theirs.push()

    about_piece = create(gql, id=new_id(), context={"pieceId": piece})["data"]["createChatThread"]
    assert (about_piece["context"]["type"], about_piece["context"]["id"]) == ("PIECE", piece)
    about_session = create(gql, id=new_id(), context={"sessionId": session})["data"]["createChatThread"]
    assert about_session["context"]["type"] == "PRACTICE_SESSION"
    reply = gql.data(
        operation("SendChatMessage"),
        {"input": {"id": new_id(), "threadId": about_session["id"], "text": "How did it go?"}},
    )["sendChatMessage"]
    assert reply["status"] == "COMPLETE"
    for context in (
        {"pieceId": their_piece},
        {"pieceId": new_id()},
        {"sessionId": new_id()},
        {"attachmentId": new_id()},
        {"trackId": "no-such-track"},
        {"collectionId": "no-such-collection"},
    ):
        body = create(gql, id=new_id(), context=context)
        assert (body["errors"][0]["extensions"]["code"], body["errors"][0]["extensions"]["reason"]) == (
            "NOT_FOUND",
            "CONTEXT_NOT_FOUND",
        ), context
    # Mallory's own thread "about" the user's piece finds nothing either.
    body = create(mallory, id=new_id(), context={"pieceId": piece})
    assert body["errors"][0]["extensions"]["reason"] == "CONTEXT_NOT_FOUND"


def test_messages_page_newest_first(gql: GraphQLClient) -> None:
    thread_id = new_id()
    create(gql, id=thread_id, title="t")
    sent = []
    for number in range(3):
        message_id = new_id()
        sent.append(message_id)
        gql.data(
            operation("SendChatMessage"),
            {"input": {"id": message_id, "threadId": thread_id, "text": f"m{number}"}},
        )
    oldest_first = [m["id"] for m in thread_messages(gql, thread_id)]
    assert oldest_first == [item for m in sent for item in (m, reply_id(m))]
    newest: list[str] = []
    after = None
    while True:
        page = gql.data(
            operation("ChatMessages"),
            {"threadId": thread_id, "first": 4, "after": after, "order": "NEWEST_FIRST"},
        )["chatMessages"]
        newest += [m["id"] for m in page["nodes"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert newest == list(reversed(oldest_first))


def test_suggestions_fall_back_from_a_region_to_its_language(gql: GraphQLClient) -> None:
    def suggest(language: str, context: dict[str, str] | None = None) -> dict[str, Any]:
        found: dict[str, Any] = gql.data(
            operation("ChatSuggestions"), {"language": language, "context": context}
        )["chatSuggestions"]
        return found

    brazil = suggest("pt-BR")
    assert brazil["language"] == "pt"
    assert brazil["prompts"][0] == "Como posso criar um hábito diário de prática?"
    assert suggest("pt-PT", {"trackId": "breath-01"})["prompts"][0] == "Sobre o que é esta faixa?"
    assert (
        suggest("pt", {"attachmentId": new_id()})["prompts"][0]
        == "Explique este documento em palavras simples."
    )
    assert suggest("pt-BR", {"sessionId": new_id()})["prompts"][0] == "Como foi esta sessão de prática?"
    assert suggest("de", {"collectionId": "hula-basics"})["language"] == "de"
    assert suggest("ja-JP")["language"] == "en"


def test_chat_in_a_managed_profile_with_profile_id(person: Callable[[str], Person]) -> None:
    parent, teacher, outsider = person("parent"), person("teacher"), person("outsider")
    learner = parent.create_profile("Keala")
    teacher.accept(parent.invite(learner, "TEACHER"))
    coach = person("coach")
    coach.accept(parent.invite(learner, "TEACHER", read=["PIECES", "CHAT"], write=["CHAT"]))
    thread_id, message_id = new_id(), new_id()
    made = parent.data(
        operation("CreateChatThread"), input={"id": thread_id, "title": "Practice"}, profileId=learner
    )
    assert made["createChatThread"]["id"] == thread_id
    reply = parent.data(
        operation("SendChatMessage"),
        input={"id": message_id, "threadId": thread_id, "text": "What next?"},
        profileId=learner,
    )["sendChatMessage"]
    assert reply["status"] == "COMPLETE"
    retried = parent.data(operation("RetryChatReply"), messageId=message_id, profileId=learner)[
        "retryChatReply"
    ]
    assert retried["id"] == reply["id"]
    # The messages are the learner's: on the learner's devices, not in the parent's own profile.
    assert len(device_of(parent, "tablet", learner).pull()["chatMessages"]) == 2
    assert parent.gql.data(operation("ChatThread"), {"id": thread_id})["chatThread"] is None
    # A coach granted chat may chat there, but not about what its role cannot read.
    coached = coach.data(
        operation("SendChatMessage"),
        input={"id": new_id(), "threadId": thread_id, "text": "Hi"},
        profileId=learner,
    )["sendChatMessage"]
    assert coached["status"] == "COMPLETE"
    errors = coach.errors(
        operation("CreateChatThread"),
        input={"id": new_id(), "context": {"attachmentId": new_id()}},
        profileId=learner,
    )
    assert reason(errors) == ("FORBIDDEN", "NOT_PERMITTED")
    # A teacher without chat, and an outsider, may not.
    for who, expected in (
        (teacher, ("FORBIDDEN", "NOT_PERMITTED")),
        (outsider, ("FORBIDDEN", "PROFILE_UNREACHABLE")),
    ):
        message = {"id": new_id(), "threadId": thread_id, "text": "hijack"}
        assert reason(who.errors(operation("SendChatMessage"), input=message, profileId=learner)) == expected
        assert (
            reason(who.errors(operation("RetryChatReply"), messageId=message_id, profileId=learner))
            == expected
        )
        assert (
            reason(who.errors(operation("CreateChatThread"), input={"id": new_id()}, profileId=learner))
            == expected
        )
    assert len(device_of(parent, "tablet", learner).pull()["chatMessages"]) == 4


def test_a_member_cannot_push_the_model_into_reading_what_its_role_cannot(
    person: Callable[[str], Person],
) -> None:
    """A coach granted chat but not attachments pushes a message naming the learner's file, and one
    in a thread about it: both replies FAILED NOT_PERMITTED, no attempt reads the file."""
    parent, coach = person("parent"), person("coach")
    learner = parent.create_profile("Keala")
    coach.accept(parent.invite(learner, "TEACHER", read=["PIECES", "CHAT"], write=["CHAT"]))
    report, plain, about_file = new_id(), new_id(), new_id()
    tablet = device_of(parent, "parent-tablet", learner)
    tablet.change(at(0), saveChatThread={"id": plain, "title": "Practice"})
    tablet.change(at(1), saveChatThread={"id": about_file, "context": {"attachmentId": report}})
    tablet.push()
    laptop = device_of(coach, "coach-laptop", learner)
    named, in_thread, fine = new_id(), new_id(), new_id()
    laptop.change(
        at(2), sendChatMessage={"id": named, "threadId": plain, "text": "Read it", "attachmentIds": [report]}
    )
    laptop.change(
        at(3), sendChatMessage={"id": in_thread, "threadId": about_file, "text": "What does it say?"}
    )
    laptop.change(at(4), sendChatMessage={"id": fine, "threadId": plain, "text": "Hello"})
    assert [r["status"] for r in laptop.push()["results"]] == ["APPLIED"] * 3
    replies = {
        m["replyToId"]: m
        for m in device_of(parent, "check", learner).pull()["chatMessages"]
        if m["replyToId"]
    }
    for message_id in (named, in_thread):
        assert (replies[message_id]["status"], replies[message_id]["error"]["code"]) == (
            "FAILED",
            "NOT_PERMITTED",
        )
    assert replies[fine]["status"] == "COMPLETE"
