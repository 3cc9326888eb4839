#pragma once
/** @file The dataset table: one row per dataset spec, read by the catalog (loadDataset), the
 *  presets (presetFor), the window's dataset list and Open menus, and the help texts. Adding a
 *  dataset of an existing task is one row here (and its loader in core/data/loaders.h). */
#include <string>
#include <vector>

#include "core/data/dataset.h"

namespace moe::core {

struct DataOptions;
struct TrainConfig;

/** Whether a spec takes an argument after ':' (a folder or a file). */
enum class SpecArg : std::uint8_t { None, Required, Optional };

/** How the window opens a dataset from a file or folder the user picks. */
struct OpenAction {
  const char* label = nullptr;   ///< menu text ("image folder (IDX / CIFAR-10)"); nullptr: none
  const char* title = nullptr;   ///< the file dialog's title
  bool file = false;             ///< a file (else a folder)
  const char* filter = nullptr;  ///< file dialog filter (files only)
  /** Whether the picked path is this row's format; nullptr: any path (the group's fallback).
   *  Rows with the same label share one menu entry. */
  bool (*recognises)(const std::string& path) = nullptr;
};

/** One dataset spec. */
struct DatasetEntry {
  const char* kind;     ///< the spec before ':' ("fashion-mnist", "idx", "movielens")
  SpecArg arg;          ///< what follows ':'
  const char* argName;  ///< "DIR", "FILE" (for help texts); "" when arg is None
  const char* task;     ///< the TaskInfo::name that trains on it (core/task/registry.h)
  const char*
      label;  ///< in the window's dataset list ("Fashion-MNIST (images)"); nullptr: not listed
  const char* help;  ///< one line: what it is and where it comes from
  /** The dataset's tuned settings on top of TrainConfig's defaults (nullptr: the defaults). */
  void (*preset)(TrainConfig& config);
  /** Loads it: `arg` is the spec's argument (for Required: the argument, else opt.dataDir). */
  DataSplits (*load)(const std::string& arg, const DataOptions& opt);
  OpenAction open;
};

/** Every dataset, in the order help texts and lists show them. */
const std::vector<DatasetEntry>& datasetTable();

/** The row of a spec ("idx:/data" -> idx; "fashion-mnist:x" -> none: it takes no argument);
 *  nullptr when no row matches. */
const DatasetEntry* findDataset(const std::string& spec);

/** A row's spec as help texts write it: "fashion-mnist", "idx:DIR", "movielens[:DIR]". */
std::string specForm(const DatasetEntry& entry);

/** Every row's specForm joined by " | ", for one-line help texts. */
std::string specForms();

/** The Open actions, one per distinct OpenAction::label, in table order. */
std::vector<const OpenAction*> openActions();

/** The spec for `path` opened through `action` ("cifar10:/d" when the folder holds CIFAR-10
 *  batches, else "idx:/d"); empty when the action is not in the table. */
std::string specForOpened(const OpenAction& action, const std::string& path);

}  // namespace moe::core
