#include "core/data/movielens.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <unordered_map>

#include "core/data/fileio.h"
#include "core/data/splits.h"
#include "core/data/text_csv.h"
#include "core/data/utf8.h"

namespace moe::core {
namespace {

struct RawRating {
  std::int64_t user, item;
  float rating;
};

struct RawMovie {
  std::string title;
  std::vector<std::string> genres;
};

// Splits line on sep (one or more characters).
std::vector<std::string_view> splitOn(std::string_view line, std::string_view sep) {
  std::vector<std::string_view> out;
  std::size_t pos = 0;
  for (;;) {
    const std::size_t at = line.find(sep, pos);
    out.push_back(line.substr(pos, at == std::string_view::npos ? at : at - pos));
    if (at == std::string_view::npos) return out;
    pos = at + sep.size();
  }
}

template <typename T>
bool parseNumber(std::string_view s, T& v) {
  s = trimAscii(s);
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return !s.empty() && ec == std::errc() && end == s.data() + s.size();
}

// GroupLens' older files are Latin-1; the newer ones UTF-8.
std::string toUtf8(std::string_view s) {
  if (isValidUtf8(s)) return std::string(s);
  std::string out;
  for (const char c : s) appendUtf8(out, static_cast<unsigned char>(c));
  return out;
}

// Calls f(line, lineNumber) for each line without its CR/LF.
template <typename F>
void forEachLine(const std::string& text, F&& f) {
  std::size_t pos = 0;
  int number = 0;
  while (pos < text.size()) {
    std::size_t eol = text.find('\n', pos);
    if (eol == std::string::npos) eol = text.size();
    std::string_view line(text.data() + pos, eol - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    f(line, ++number);
    pos = eol + 1;
  }
}

std::vector<RawRating> readRatings(const std::string& path, std::string_view sep, bool header,
                                   LoadReport& report) {
  std::vector<RawRating> out;
  const std::string text = readWholeFile(path, kMaxTextFileBytes);
  forEachLine(text, [&](std::string_view line, int number) {
    if (trimAscii(line).empty() || (header && number == 1)) return;
    const std::string where = path + ":" + std::to_string(number) + ": ";
    const auto f = splitOn(line, sep);
    RawRating r{};
    if (f.size() < 3 || f.size() > 4) {
      report.skip(where + "expected 4 fields (user, item, rating, timestamp), found " +
                  std::to_string(f.size()));
    } else if (!parseNumber(f[0], r.user) || !parseNumber(f[1], r.item)) {
      report.skip(where + "user and item ids must be integers");
    } else if (!parseNumber(f[2], r.rating)) {
      report.skip(where + "rating '" + std::string(trimAscii(f[2])) + "' is not a number");
    } else if (!(r.rating >= 0.5f && r.rating <= 5.0f)) {
      report.skip(where + "rating " + std::string(trimAscii(f[2])) + " out of range 0.5..5");
    } else {
      out.push_back(r);
    }
  });
  return out;
}

const std::vector<std::string>& ml100kGenres() {
  static const std::vector<std::string> g = {
      "unknown",     "Action", "Adventure", "Animation", "Children's", "Comedy",  "Crime",
      "Documentary", "Drama",  "Fantasy",   "Film-Noir", "Horror",     "Musical", "Mystery",
      "Romance",     "Sci-Fi", "Thriller",  "War",       "Western"};
  return g;
}

void readMovies100k(const std::string& path, std::unordered_map<std::int64_t, RawMovie>& movies,
                    LoadReport& report) {
  const std::string text = readWholeFile(path, kMaxTextFileBytes);
  forEachLine(text, [&](std::string_view line, int number) {
    if (trimAscii(line).empty()) return;
    const auto f = splitOn(line, "|");
    std::int64_t id = 0;
    if (f.size() != 24 || !parseNumber(f[0], id)) {
      report.skip(path + ":" + std::to_string(number) + ": expected 24 '|'-separated fields");
      return;
    }
    RawMovie m{toUtf8(f[1]), {}};
    for (std::size_t g = 0; g < 19; ++g)
      if (trimAscii(f[5 + g]) == "1") m.genres.push_back(ml100kGenres()[g]);
    movies[id] = std::move(m);
  });
}

void addMovie(std::int64_t id, std::string_view title, std::string_view genres,
              std::unordered_map<std::int64_t, RawMovie>& movies) {
  RawMovie m{toUtf8(trimAscii(title)), {}};
  for (const auto g : splitOn(genres, "|")) {
    const std::string_view name = trimAscii(g);
    if (!name.empty() && name != "(no genres listed)") m.genres.emplace_back(name);
  }
  movies[id] = std::move(m);
}

void readMovies1m(const std::string& path, std::unordered_map<std::int64_t, RawMovie>& movies,
                  LoadReport& report) {
  const std::string text = readWholeFile(path, kMaxTextFileBytes);
  forEachLine(text, [&](std::string_view line, int number) {
    if (trimAscii(line).empty()) return;
    const auto f = splitOn(line, "::");
    std::int64_t id = 0;
    if (f.size() != 3 || !parseNumber(f[0], id)) {
      report.skip(path + ":" + std::to_string(number) + ": expected MovieID::Title::Genres");
      return;
    }
    addMovie(id, f[1], f[2], movies);
  });
}

void readMoviesLatest(const std::string& path, std::unordered_map<std::int64_t, RawMovie>& movies,
                      LoadReport& report) {
  const std::string text = readWholeFile(path, kMaxTextFileBytes);
  for (const auto& rec : parseCsv(text, ',', report, path)) {
    std::int64_t id = 0;
    if (rec.line == 1 && !rec.fields.empty() && !parseNumber(rec.fields[0], id)) continue;
    if (rec.fields.size() != 3 || !parseNumber(rec.fields[0], id)) {
      report.skip(path + ":" + std::to_string(rec.line) + ": expected movieId,title,genres");
      continue;
    }
    addMovie(id, rec.fields[1], rec.fields[2], movies);
  }
}

}  // namespace

MovieLensFormat detectMovieLensFormat(const std::string& dir) {
  if (isRegularFile(joinPath(dir, "u.data"))) return MovieLensFormat::Ml100k;
  if (isRegularFile(joinPath(dir, "ratings.dat"))) return MovieLensFormat::Ml1m;
  if (isRegularFile(joinPath(dir, "ratings.csv"))) return MovieLensFormat::MlLatest;
  throw DataError(dir + ": no MovieLens ratings found (expected u.data for ml-100k, " +
                  "ratings.dat for ml-1m or ratings.csv for ml-latest)");
}

Dataset readMovieLens(const std::string& dir, LoadReport& report) {
  const MovieLensFormat format = detectMovieLensFormat(dir);
  std::vector<RawRating> raw;
  std::unordered_map<std::int64_t, RawMovie> movies;
  std::string moviesPath;
  switch (format) {
    case MovieLensFormat::Ml100k:
      raw = readRatings(joinPath(dir, "u.data"), "\t", false, report);
      moviesPath = joinPath(dir, "u.item");
      if (isRegularFile(moviesPath)) readMovies100k(moviesPath, movies, report);
      break;
    case MovieLensFormat::Ml1m:
      raw = readRatings(joinPath(dir, "ratings.dat"), "::", false, report);
      moviesPath = joinPath(dir, "movies.dat");
      if (isRegularFile(moviesPath)) readMovies1m(moviesPath, movies, report);
      break;
    case MovieLensFormat::MlLatest: {
      const std::string path = joinPath(dir, "ratings.csv");
      raw = readRatings(path, ",", true, report);
      moviesPath = joinPath(dir, "movies.csv");
      if (isRegularFile(moviesPath)) readMoviesLatest(moviesPath, movies, report);
      break;
    }
  }
  if (raw.empty()) {
    // Say why: the per-line reasons the readers collected (a missing column, a bad number).
    std::string msg = dir + ": no valid ratings";
    if (report.skipped > 0) {
      msg += " (" + std::to_string(report.skipped) + " line(s) skipped:";
      for (std::size_t i = 0; i < report.problems.size() && i < 3; ++i)
        msg += (i ? "; " : " ") + report.problems[i];
      if (report.skipped > 3) msg += "; ...";
      msg += ")";
    }
    throw DataError(msg);
  }

  Dataset d;
  d.name = "movielens";
  d.kind = DataKind::Ratings;
  for (const auto& r : raw) {
    d.userIds.push_back(r.user);
    d.itemIds.push_back(r.item);
  }
  for (auto* ids : {&d.userIds, &d.itemIds}) {
    std::sort(ids->begin(), ids->end());
    ids->erase(std::unique(ids->begin(), ids->end()), ids->end());
  }
  d.userCount = int(d.userIds.size());
  d.itemCount = int(d.itemIds.size());
  std::unordered_map<std::int64_t, int> userIndex, itemIndex;
  for (int i = 0; i < d.userCount; ++i) userIndex[d.userIds[std::size_t(i)]] = i;
  for (int i = 0; i < d.itemCount; ++i) itemIndex[d.itemIds[std::size_t(i)]] = i;
  d.users.reserve(raw.size());
  d.items.reserve(raw.size());
  d.targets.reserve(raw.size());
  for (const auto& r : raw) {
    d.users.push_back(userIndex[r.user]);
    d.items.push_back(itemIndex[r.item]);
    d.targets.push_back(r.rating);
  }

  // Genre vocabulary in sorted order (ml-100k keeps its own fixed order).
  if (format == MovieLensFormat::Ml100k) {
    d.genreNames = ml100kGenres();
  } else {
    for (const auto& [id, m] : movies)
      for (const auto& g : m.genres)
        if (std::find(d.genreNames.begin(), d.genreNames.end(), g) == d.genreNames.end())
          d.genreNames.push_back(g);
    std::sort(d.genreNames.begin(), d.genreNames.end());
  }
  if (d.genreNames.size() > 32) d.genreNames.resize(32);  // the bitmask's width
  d.itemTitles.assign(std::size_t(d.itemCount), {});
  d.itemGenres.assign(std::size_t(d.itemCount), 0);
  for (int i = 0; i < d.itemCount; ++i) {
    const auto it = movies.find(d.itemIds[std::size_t(i)]);
    if (it == movies.end()) continue;
    d.itemTitles[std::size_t(i)] = it->second.title;
    for (const auto& g : it->second.genres) {
      const auto at = std::find(d.genreNames.begin(), d.genreNames.end(), g);
      if (at != d.genreNames.end())
        d.itemGenres[std::size_t(i)] |= 1u << unsigned(at - d.genreNames.begin());
    }
  }
  countRatings(d);
  return d;
}

DataSplits splitRatings(const Dataset& all, double testFraction, double validationFraction,
                        std::uint64_t seed) {
  DataSplits s;
  auto [rest, test] = splitDataset(all, testFraction, seed);
  if (test.rows() == 0 && testFraction > 0.0)
    throw DataError(all.name + ": " + std::to_string(all.rows()) + " rating(s) are too few for a " +
                    std::to_string(int(std::lround(testFraction * 100))) + "% test split");
  auto [train, validation] = splitDataset(rest, validationFraction, seed ^ 0x9e3779b97f4a7c15ull);
  s.train = std::move(train);
  s.validation = std::move(validation);
  s.test = std::move(test);
  return s;
}

std::string defaultMovieLensDir() {
  const char* xdg = std::getenv("XDG_DATA_HOME");
  std::string base;
  if (xdg && *xdg) {
    base = xdg;
  } else {
    const char* home = std::getenv("HOME");
    base = std::string(home ? home : ".") + "/.local/share";
  }
  return joinPath(base, "moe-explorer/movielens");
}

}  // namespace moe::core
