#include "core/data/text_csv.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <map>
#include <optional>

#include "core/data/fileio.h"
#include "core/data/utf8.h"

namespace moe::core {
namespace {

std::size_t nextLine(std::string_view text, std::size_t pos) {
  const std::size_t eol = text.find('\n', pos);
  return eol == std::string_view::npos ? text.size() : eol + 1;
}

std::optional<long> parseInt(std::string_view s) {
  s = trimAscii(s);
  long v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

bool isHeaderWord(std::string_view s) {
  std::string lower(trimAscii(s));
  for (auto& c : lower) c = char(std::tolower(static_cast<unsigned char>(c)));
  static const char* const words[] = {
      "label", "class", "category", "lang",        "language",    "sentiment",  "target",
      "y",     "text",  "title",    "description", "class index", "class_index"};
  return std::any_of(std::begin(words), std::end(words), [&](const char* w) { return lower == w; });
}

char detectDelimiter(const std::string& path, std::string_view text) {
  const auto ends = [&](std::string_view suffix) {
    return path.size() >= suffix.size() &&
           path.compare(path.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  if (ends(".tsv") || ends(".tab")) return '\t';
  const std::string_view first = text.substr(0, nextLine(text, 0));
  const auto tabs = std::count(first.begin(), first.end(), '\t');
  const auto commas = std::count(first.begin(), first.end(), ',');
  return tabs > commas ? '\t' : ',';
}

}  // namespace

std::vector<CsvRecord> parseCsv(std::string_view text, char delimiter, LoadReport& report,
                                const std::string& where) {
  std::vector<CsvRecord> records;
  std::size_t pos = 0;
  int line = 1;
  if (text.substr(0, 3) == "\xEF\xBB\xBF") pos = 3;  // UTF-8 byte order mark
  while (pos < text.size()) {
    const std::size_t recordStart = pos;
    const int recordLine = line;
    CsvRecord rec;
    rec.line = recordLine;
    std::string error;
    bool endOfRecord = false;
    while (!endOfRecord && error.empty()) {
      std::string field;
      if (pos < text.size() && text[pos] == '"') {
        ++pos;
        for (;;) {
          const std::size_t q = text.find('"', pos);
          if (q == std::string_view::npos) {
            error = "quoted field never closed";
            break;
          }
          const std::string_view chunk = text.substr(pos, q - pos);
          line += int(std::count(chunk.begin(), chunk.end(), '\n'));
          field.append(chunk);
          pos = q + 1;
          if (pos < text.size() && text[pos] == '"') {
            field.push_back('"');
            ++pos;
            continue;
          }
          break;
        }
        if (error.empty()) {
          if (pos < text.size() && text[pos] == '\r') ++pos;
          // A quote that "closes" lines later, before stray text, was really never closed.
          if (pos < text.size() && text[pos] != delimiter && text[pos] != '\n')
            error = line != recordLine ? "quoted field never closed"
                                       : "unexpected character after a closing quote";
        }
      } else {
        std::size_t end = pos;
        while (end < text.size() && text[end] != delimiter && text[end] != '\n') ++end;
        field.assign(text.substr(pos, end - pos));
        if (!field.empty() && field.back() == '\r' && (end == text.size() || text[end] == '\n'))
          field.pop_back();
        pos = end;
      }
      if (!error.empty()) break;
      rec.fields.push_back(std::move(field));
      if (pos >= text.size()) {
        endOfRecord = true;
      } else if (text[pos] == '\n') {
        ++pos;
        ++line;
        endOfRecord = true;
      } else {
        ++pos;  // the delimiter
      }
    }
    if (!error.empty()) {
      report.skip(where + ":" + std::to_string(recordLine) + ": " + error);
      pos = nextLine(text, recordStart);  // resume on the line after the record's first
      line = recordLine + 1;
      continue;
    }
    if (rec.fields.size() == 1 && trimAscii(rec.fields[0]).empty()) continue;  // blank line
    records.push_back(std::move(rec));
  }
  return records;
}

TextCorpus readTextCsv(const std::string& path, const TextCsvOptions& options) {
  const std::string text = readWholeFile(path, kMaxTextFileBytes);
  TextCorpus corpus;
  corpus.name = "text-csv:" + path;
  const char delimiter = options.delimiter ? options.delimiter : detectDelimiter(path, text);
  std::vector<CsvRecord> records = parseCsv(text, delimiter, corpus.report, path);
  const auto labelCol = std::size_t(std::max(options.labelColumn, 0));

  // Integer labels when most are integers (a few bad ones are then reported, not classes).
  std::size_t ints = 0;
  for (std::size_t i = 1; i < records.size(); ++i)
    if (labelCol < records[i].fields.size() && parseInt(records[i].fields[labelCol])) ++ints;
  const bool numeric = records.size() > 1 && ints * 2 > records.size() - 1;

  bool header = options.header == TextCsvOptions::Header::Present;
  if (options.header == TextCsvOptions::Header::Auto && !records.empty()) {
    const auto& first = records.front().fields;
    const bool labelIsName = labelCol < first.size() && isHeaderWord(first[labelCol]);
    header = labelIsName || (numeric && labelCol < first.size() && !parseInt(first[labelCol]));
  }
  if (header && !records.empty()) records.erase(records.begin());

  std::vector<std::size_t> textCols;
  for (const int c : options.textColumns) textCols.push_back(std::size_t(std::max(c, 0)));
  std::size_t needed = labelCol + 1;
  for (const auto c : textCols) needed = std::max(needed, c + 1);
  if (textCols.empty()) needed = std::max<std::size_t>(needed, 2);

  // First pass: validate rows and collect labels; second: number the classes.
  struct Row {
    int line;
    std::string label;
    std::string text;
  };
  std::vector<Row> rows;
  long minLabel = 0, maxLabel = -1;
  for (auto& rec : records) {
    const std::string where = path + ":" + std::to_string(rec.line);
    if (rec.fields.size() < needed) {
      corpus.report.skip(where + ": expected at least " + std::to_string(needed) +
                         " fields, found " + std::to_string(rec.fields.size()));
      continue;
    }
    if (!std::all_of(rec.fields.begin(), rec.fields.end(),
                     [](const std::string& f) { return isValidUtf8(f); })) {
      ++corpus.report.invalidUtf8;
      corpus.report.skip(where + ": invalid UTF-8");
      continue;
    }
    const std::string label(trimAscii(rec.fields[labelCol]));
    if (label.empty()) {
      corpus.report.skip(where + ": empty label");
      continue;
    }
    if (numeric) {
      const auto v = parseInt(label);
      if (!v || *v < 0) {
        corpus.report.skip(where + ": label '" + label + "' is not a non-negative integer");
        continue;
      }
      if (maxLabel < 0 || *v < minLabel) minLabel = *v;
      maxLabel = std::max(maxLabel, *v);
    }
    std::string joined;
    for (std::size_t c = 0; c < rec.fields.size(); ++c) {
      const bool use = textCols.empty()
                           ? c != labelCol
                           : std::find(textCols.begin(), textCols.end(), c) != textCols.end();
      const std::string_view part = trimAscii(rec.fields[c]);
      if (!use || part.empty()) continue;
      if (!joined.empty()) joined.push_back(' ');
      joined.append(part);
    }
    if (joined.empty()) {
      ++corpus.report.empty;
      corpus.report.skip(where + ": empty text");
      continue;
    }
    rows.push_back(Row{rec.line, label, std::move(joined)});
  }

  std::map<std::string, int> classOf;
  if (numeric) {
    const long base = minLabel >= 1 ? 1 : 0;  // AG News and most exports count from 1
    if (maxLabel - base >= 100000)
      throw DataError(path + ": label " + std::to_string(maxLabel) + " is implausibly large");
    for (long v = base; v <= maxLabel; ++v) corpus.classNames.push_back(std::to_string(v));
    for (const auto& r : rows)
      corpus.add(r.text, std::int32_t(*parseInt(r.label) - base),
                 path + ":" + std::to_string(r.line));
  } else {
    for (const auto& r : rows) classOf.emplace(r.label, 0);
    int next = 0;
    for (auto& [name, index] : classOf) {
      index = next++;
      corpus.classNames.push_back(name);
    }
    for (const auto& r : rows)
      corpus.add(r.text, std::int32_t(classOf[r.label]), path + ":" + std::to_string(r.line));
  }
  if (corpus.texts.empty()) {
    std::string msg = path + ": no valid labelled text (" + std::to_string(corpus.report.skipped) +
                      " lines skipped";
    if (!corpus.report.problems.empty()) msg += "; first: " + corpus.report.problems.front();
    throw DataError(msg + ")");
  }
  return corpus;
}

}  // namespace moe::core
