#include "core/data/fortunes.h"

#include <algorithm>
#include <filesystem>

#include "core/data/fileio.h"

namespace moe::core {
namespace {

bool endsWith(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// The data files of one language: the listed ones, or the regular files of its folder
// (symlinks are other names for files already read).
std::vector<std::string> languageFiles(const std::string& root, const FortuneLanguage& lang) {
  const std::string dir = lang.folder.empty() ? root : joinPath(root, lang.folder);
  std::vector<std::string> paths;
  if (!lang.files.empty()) {
    for (const auto& f : lang.files) {
      const std::string p = joinPath(dir, f);
      if (isRegularFile(p)) paths.push_back(p);
    }
    return paths;
  }
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (!entry.is_regular_file(ec) || entry.is_symlink(ec)) continue;
    const std::string name = entry.path().filename().string();
    if (endsWith(name, ".dat") || endsWith(name, ".u8") || name.front() == '.') continue;
    if (std::find(lang.exclude.begin(), lang.exclude.end(), name) != lang.exclude.end()) continue;
    paths.push_back(entry.path().string());
  }
  std::sort(paths.begin(), paths.end());  // directory order varies; the corpus must not
  return paths;
}

}  // namespace

const std::vector<FortuneLanguage>& fortuneLanguages() {
  static const std::vector<FortuneLanguage> langs = {
      {"en",
       "English",
       "fortunes",
       "",
       {"art",        "computers", "cookie",       "debian",   "definitions", "disclaimer",
        "drugs",      "education", "ethnic",       "food",     "fortunes",    "goedel",
        "humorists",  "kids",      "knghtbrd",     "law",      "linux",       "linuxcookie",
        "literature", "love",      "magic",        "medicine", "men-women",   "miscellaneous",
        "news",       "paradoxum", "people",       "perl",     "pets",        "platitudes",
        "politics",   "pratchett", "riddles",      "science",  "songs-poems", "sports",
        "startrek",   "tao",       "translate-me", "wisdom",   "work",        "zippy"},
       {}},
      {"de", "German", "fortunes-de", "de", {}, {"asciiart"}},
      {"es", "Spanish", "fortunes-es", "es", {}, {}},
      {"it", "Italian", "fortunes-it", "it", {}, {}},
      {"ru", "Russian", "fortunes-ru", "ru", {}, {}},
      {"pl", "Polish", "fortunes-pl", "pl", {}, {}},
      {"cs", "Czech", "fortunes-cs", "cs", {}, {"klasik-sk"}},
      {"eo", "Esperanto", "fortunes-eo", "eo", {}, {}},
      {"pt", "Portuguese", "fortunes-br", "", {"brasil"}, {}},
  };
  return langs;
}

std::vector<FortuneRecord> splitFortuneRecords(std::string_view content) {
  std::vector<FortuneRecord> records;
  FortuneRecord current;
  current.line = 1;
  int line = 1;
  std::size_t pos = 0;
  while (pos < content.size()) {
    std::size_t eol = content.find('\n', pos);
    const bool last = eol == std::string_view::npos;
    if (last) eol = content.size();
    std::string_view text = content.substr(pos, eol - pos);
    if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
    if (text == "%") {
      records.push_back(std::move(current));
      current = FortuneRecord{line + 1, {}};
    } else {
      current.text.append(text);
      if (!last) current.text.push_back('\n');
    }
    pos = eol + 1;
    ++line;
  }
  if (!current.text.empty()) records.push_back(std::move(current));
  return records;
}

TextCorpus readFortunesCorpus(const std::string& root) {
  TextCorpus corpus;
  corpus.name = "fortunes-langid";
  const auto& langs = fortuneLanguages();
  for (const auto& lang : langs) corpus.classNames.push_back(lang.code);
  for (std::size_t l = 0; l < langs.size(); ++l) {
    const std::vector<std::string> files = languageFiles(root, langs[l]);
    if (files.empty())
      throw DataError(joinPath(root, langs[l].folder) + ": no " + langs[l].name +
                      " fortunes found (install Debian's " + langs[l].package + ")");
    for (const auto& path : files) {
      const std::string content = readWholeFile(path, kMaxTextFileBytes);
      for (const auto& rec : splitFortuneRecords(content))
        corpus.add(rec.text, std::int32_t(l), path + ":" + std::to_string(rec.line));
    }
  }
  return corpus;
}

}  // namespace moe::core
