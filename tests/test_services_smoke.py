"""Smoke tests of the real services the exchange runs on."""

import os
import uuid

import pytest

from tests.conftest import ELASTICSEARCH_URL, REDIS_URL


@pytest.mark.elasticsearch
def test_elasticsearch_hunspell_finds_a_word_by_another_form():
    from elasticsearch import Elasticsearch

    es = Elasticsearch(ELASTICSEARCH_URL, request_timeout=30)
    index = f"birzha_smoke_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    es.indices.create(
        index=index,
        settings={
            "number_of_shards": 1,
            "number_of_replicas": 0,
            "analysis": {
                "filter": {
                    "ru_hunspell": {"type": "hunspell", "locale": "ru_RU"},
                    "kk_hunspell": {"type": "hunspell", "locale": "kk_KZ"},
                },
                "analyzer": {
                    "ru_text": {"tokenizer": "standard", "filter": ["lowercase", "ru_hunspell"]},
                    "kk_text": {"tokenizer": "standard", "filter": ["lowercase", "kk_hunspell"]},
                },
            },
        },
        mappings={"properties": {"ru": {"type": "text", "analyzer": "ru_text"}, "kk": {"type": "text", "analyzer": "kk_text"}}},
    )
    try:
        es.index(index=index, id="1", document={"ru": "Требуются опытные программисты", "kk": "Тәжірибелі жүргізушілер қажет"}, refresh=True)
        # Another form of each word finds the document.
        assert es.search(index=index, query={"match": {"ru": "программист"}})["hits"]["total"]["value"] == 1
        assert es.search(index=index, query={"match": {"ru": "программистов"}})["hits"]["total"]["value"] == 1
        assert es.search(index=index, query={"match": {"kk": "жүргізуші"}})["hits"]["total"]["value"] == 1
        assert es.search(index=index, query={"match": {"ru": "бухгалтер"}})["hits"]["total"]["value"] == 0
    finally:
        es.indices.delete(index=index)


@pytest.mark.redis
def test_redis_round_trip_and_expiry():
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    key = f"birzha_smoke:{os.getpid()}:{uuid.uuid4().hex}"
    assert client.set(key, "сәлем", nx=True, ex=30)
    assert not client.set(key, "again", nx=True, ex=30)  # the lock primitive jobs rely on
    assert client.get(key).decode() == "сәлем"
    assert 0 < client.ttl(key) <= 30
    client.delete(key)
