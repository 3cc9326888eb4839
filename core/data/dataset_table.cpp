#include "core/data/dataset_table.h"

#include <cstring>

#include "core/data/loaders.h"
#include "core/data/shifted.h"
#include "core/data/toy_loaders.h"
#include "core/train/presets.h"

namespace moe::core {

namespace {
const OpenAction kImageFolder{"image folder (IDX / CIFAR-10)",
                              "Open an IDX (MNIST layout) or CIFAR-10 binary folder", false,
                              nullptr, nullptr};
}  // namespace

// One row per dataset: {kind, arg, argName, task, label, help, preset, loader, open}.
// clang-format off
const std::vector<DatasetEntry>& datasetTable() {
  static const std::vector<DatasetEntry> table = {
      {"fashion-mnist", SpecArg::None, "", "image-classification", "Fashion-MNIST (images)",
       "Zalando's 28x28 clothing images, 10 classes (Debian's dataset-fashion-mnist)", nullptr,
       loadFashionMnist, {}},
      {"idx", SpecArg::Required, "DIR", "image-classification", nullptr,
       "MNIST-layout IDX files in DIR (MNIST, Fashion-MNIST, EMNIST)", nullptr, loadIdxFolder,
       kImageFolder},
      {"cifar10", SpecArg::Required, "DIR", "image-classification", nullptr,
       "CIFAR-10 binary batches in DIR", nullptr, loadCifar10Folder,
       {kImageFolder.label, kImageFolder.title, false, nullptr, isCifar10Folder}},
      {"shifted", SpecArg::Optional, "SOURCE", "image-classification",
       "Fashion-MNIST at random offsets (images)",
       "SOURCE (fashion-mnist, the default, or idx:DIR) placed at random offsets on a 40x40 canvas; "
       "the offset is kept as a 3x3 grid of cells for analysis (Eigen et al. 2013)",
       shiftedPreset, loadShifted, {}},
      {"fortunes-langid", SpecArg::None, "", "token-classification",
       "Fortunes language ID (text)",
       "language of quotes from Debian's fortunes packages (en, de, es, it, ...)", textPreset,
       loadFortunesLangid, {}},
      {"text-csv", SpecArg::Required, "FILE", "token-classification", nullptr,
       "labelled texts in a CSV/TSV FILE (label and text columns)", textPreset, loadTextCsvFile,
       {"labelled text file (CSV / TSV)",
        "Open a labelled text file (label and text columns, CSV or TSV)", true,
        "Text tables (*.csv *.tsv *.txt);;All files (*)", nullptr}},
      {"movielens", SpecArg::Optional, "DIR", "rating-regression", "MovieLens (ratings)",
       "GroupLens ratings (ml-100k, ml-1m, ml-latest) in DIR, else scripts/export_movielens.sh's",
       ratingsPreset, loadMovieLensFolder,
       {"MovieLens folder (GroupLens files)",
        "Open a MovieLens folder (ml-100k u.data, ml-1m ratings.dat or ml-latest ratings.csv)",
        false, nullptr, nullptr}},
      // 2-D and 1-D toy sets (core/data/toy_data.h): size, noise and classes from the config.
      {"toy:spirals", SpecArg::None, "", "image-classification", "Two spirals (2-D toy)",
       "two interleaved spirals in the plane (toy_size points, toy_noise jitter)", toyPreset,
       loadToySpirals, {}},
      {"toy:xor", SpecArg::None, "", "image-classification", "XOR (2-D toy)",
       "opposite quadrants share a class", toyPreset, loadToyXor, {}},
      {"toy:circles", SpecArg::None, "", "image-classification", "Circles (2-D toy)",
       "a disc inside a ring", toyPreset, loadToyCircles, {}},
      {"toy:blobs", SpecArg::None, "", "image-classification", "Gaussian blobs (2-D toy)",
       "toy_classes Gaussian blobs on a circle", toyPreset, loadToyBlobs, {}},
      {"toy:checkerboard", SpecArg::None, "", "image-classification", "Checkerboard (2-D toy)",
       "4 x 4 checkerboard of two classes", toyPreset, loadToyCheckerboard, {}},
      {"toy:moons", SpecArg::None, "", "image-classification", "Two moons (2-D toy)",
       "two interlocking half circles", toyPreset, loadToyMoons, {}},
      {"toy:regression-1d", SpecArg::None, "", "point-regression",
       "Piecewise function (1-D regression)",
       "y = a piecewise linear function of x with two jumps, plus toy_noise", toyRegressionPreset,
       loadToyRegression1d, {}},
      {"toy:regression-2d", SpecArg::None, "", "point-regression",
       "Sum of bumps (2-D regression)", "z = four Gaussian bumps over the plane, plus toy_noise",
       toyRegressionPreset, loadToyRegression2d, {}},
      {"toy:csv", SpecArg::Required, "FILE", "image-classification", nullptr,
       "the user's 2-D points: x,y,label lines in FILE", toyPreset, loadPointsCsvFile,
       {"2-D points file (x,y,label CSV)", "Open a CSV of 2-D points (x,y,label per line)", true,
        "CSV files (*.csv *.txt);;All files (*)", nullptr}},
  };
  return table;
}
// clang-format on

const DatasetEntry* findDataset(const std::string& spec) {
  // The spec is the kind itself or, for rows with an argument, the kind, ':' and the argument
  // (kinds may hold a colon: "toy:spirals", "toy:csv:FILE").
  for (const DatasetEntry& e : datasetTable()) {
    const std::string kind = e.kind;
    if (spec == kind) return &e;
    if (e.arg != SpecArg::None && spec.size() > kind.size() && spec.compare(0, kind.size(), kind) == 0 &&
        spec[kind.size()] == ':')
      return &e;
  }
  return nullptr;
}

std::string specForm(const DatasetEntry& e) {
  switch (e.arg) {
    case SpecArg::None: return e.kind;
    case SpecArg::Required: return std::string(e.kind) + ":" + e.argName;
    case SpecArg::Optional: return std::string(e.kind) + "[:" + e.argName + "]";
  }
  return e.kind;
}

std::string specForms() {
  std::string all;
  for (const DatasetEntry& e : datasetTable()) all += (all.empty() ? "" : " | ") + specForm(e);
  return all;
}

std::vector<const OpenAction*> openActions() {
  std::vector<const OpenAction*> out;
  for (const DatasetEntry& e : datasetTable()) {
    if (!e.open.label) continue;
    bool seen = false;
    for (const OpenAction* a : out) seen = seen || std::strcmp(a->label, e.open.label) == 0;
    if (!seen) out.push_back(&e.open);
  }
  return out;
}

std::string specForOpened(const OpenAction& action, const std::string& path) {
  if (!action.label) return {};
  const DatasetEntry* fallback = nullptr;
  for (const DatasetEntry& e : datasetTable()) {
    if (!e.open.label || std::strcmp(e.open.label, action.label) != 0) continue;
    if (e.open.recognises && e.open.recognises(path)) return std::string(e.kind) + ":" + path;
    if (!e.open.recognises && !fallback) fallback = &e;
  }
  return fallback ? std::string(fallback->kind) + ":" + path : std::string();
}

}  // namespace moe::core
