// Hashed character n-gram and word tokenisation, with spans for the UI.
#include <QtTest>
#include <string>
#include <vector>

#include "core/data/tokenizer.h"
#include "core/data/utf8.h"

using namespace moe::core;
using Strings = std::vector<std::string>;

Q_DECLARE_METATYPE(Strings)

class TestTokenizer : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void fnv1aKnownValues() {
    QCOMPARE(fnv1a64(""), 0xcbf29ce484222325ull);
    QCOMPARE(fnv1a64("a"), 0xaf63dc4c8601ec8cull);
    QCOMPARE(fnv1a64("foobar"), 0x85944171f73967e8ull);
  }

  void charNgrams_data() {
    QTest::addColumn<QString>("text");
    QTest::addColumn<int>("maxN");
    QTest::addColumn<Strings>("expected");
    QTest::newRow("one word, 1..2") << "Ab" << 2
                                    << Strings{
                                           "\x02"
                                           "a",
                                           "a", "ab", "b", "b\x03"};
    QTest::newRow("two words, 1..1") << " a  B\r\n" << 1 << Strings{"a", "b"};
    QTest::newRow("cyrillic lowercased") << "ЖЯ" << 1 << Strings{"ж", "я"};
    QTest::newRow("czech lowercased") << "ŘŠ" << 1 << Strings{"ř", "š"};
    QTest::newRow("esperanto lowercased") << "ĈĜ" << 1 << Strings{"ĉ", "ĝ"};
    QTest::newRow("empty") << "" << 3 << Strings{};
  }
  void charNgrams() {
    QFETCH(QString, text);
    QFETCH(int, maxN);
    QFETCH(Strings, expected);
    TokenizerOptions o;
    o.maxN = maxN;
    const std::string utf8 = text.toStdString();
    QCOMPARE(tokenStrings(utf8, o), expected);
    const auto ids = tokenize(utf8, o);
    QCOMPARE(ids.size(), expected.size());
    for (std::size_t i = 0; i < ids.size(); ++i)
      QCOMPARE(ids[i], std::int32_t(fnv1a64(expected[i]) % std::uint64_t(o.buckets)));
  }

  void trigramCount() {
    // A word of n code points has n 1-grams, n+1 2-grams and n 3-grams (with both markers).
    QCOMPARE(tokenize("hello").size(), std::size_t(5 + 6 + 5));
  }

  void spansPointIntoTheText() {
    const std::string text = "Grüß dich";
    TokenizerOptions o;
    const auto spans = tokenSpans(text, o);
    const auto strings = tokenStrings(text, o);
    QCOMPARE(spans.size(), strings.size());
    for (std::size_t i = 0; i < spans.size(); ++i) {
      QVERIFY(spans[i].begin >= 0 && spans[i].end <= std::int32_t(text.size()));
      QVERIFY(spans[i].begin < spans[i].end);
      QVERIFY(spans[i].id >= 0 && spans[i].id < o.buckets);
      // The covered bytes, lower-cased, are the token without its markers.
      std::string token = strings[i];
      std::erase(token, '\x02');
      std::erase(token, '\x03');
      std::string covered;
      const std::string_view part(text.data() + spans[i].begin,
                                  std::size_t(spans[i].end - spans[i].begin));
      for (std::size_t p = 0; p < part.size();)
        appendUtf8(covered, toLowerCodepoint(decodeUtf8(part, p)));
      QCOMPARE(covered, token);
    }
    QCOMPARE(spans.back().begin, 10);  // "h\x03" of "dich"
    QCOMPARE(spans.back().end, 11);
  }

  void words_data() {
    QTest::addColumn<QString>("text");
    QTest::addColumn<Strings>("expected");
    QTest::newRow("punctuation") << "Hello, World! It's ok."
                                 << Strings{"hello", "world", "it's", "ok"};
    QTest::newRow("quotes and dashes") << "«Ça va» — bien" << Strings{"ça", "va", "bien"};
    QTest::newRow("cyrillic") << "Привет, мир" << Strings{"привет", "мир"};
  }
  void words() {
    QFETCH(QString, text);
    QFETCH(Strings, expected);
    TokenizerOptions o;
    o.mode = TokenizerOptions::Mode::Words;
    QCOMPARE(tokenStrings(text.toStdString(), o), expected);
    const auto spans = tokenSpans(text.toStdString(), o);
    QCOMPARE(spans.size(), expected.size());
  }

  void bucketsAndLimit() {
    TokenizerOptions o;
    o.buckets = 16;
    o.maxTokens = 7;
    const auto ids = tokenize("the quick brown fox jumps over the lazy dog", o);
    QCOMPARE(ids.size(), std::size_t(7));
    for (auto id : ids) QVERIFY(id >= 0 && id < 16);
  }

  void datasetLayout() {
    TokenizerOptions o;
    const Dataset d = makeTokenDataset("t", {"ab", "c d"}, {1, 0}, {"x", "y"}, o);
    QCOMPARE(d.kind, DataKind::Tokens);
    QCOMPARE(d.rows(), 2);
    QCOMPARE(d.features, o.buckets);
    QCOMPARE(d.classes, 2);
    QCOMPARE(d.tokenOffsets.size(), std::size_t(3));
    QCOMPARE(std::size_t(d.tokenOffsets[1]), tokenize("ab", o).size());
    QCOMPARE(std::size_t(d.tokenOffsets[2]), d.tokens.size());
    QCOMPARE(d.texts.at(1), std::string("c d"));
  }

  void utf8Validation_data() {
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<bool>("valid");
    QTest::newRow("ascii") << QByteArray("abc") << true;
    QTest::newRow("two-byte") << QByteArray("\xc3\xa9") << true;
    QTest::newRow("four-byte") << QByteArray("\xf0\x9f\x98\x80") << true;
    QTest::newRow("latin-1") << QByteArray("caf\xe9") << false;
    QTest::newRow("overlong") << QByteArray("\xc0\xaf") << false;
    QTest::newRow("surrogate") << QByteArray("\xed\xa0\x80") << false;
    QTest::newRow("cut") << QByteArray("\xe2\x82") << false;
  }
  void utf8Validation() {
    QFETCH(QByteArray, bytes);
    QFETCH(bool, valid);
    QCOMPARE(isValidUtf8(std::string_view(bytes.constData(), std::size_t(bytes.size()))), valid);
  }
};

QTEST_GUILESS_MAIN(TestTokenizer)
#include "test_tokenizer.moc"
