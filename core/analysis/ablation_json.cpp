#include "core/analysis/ablation_json.h"

#include <cmath>
#include <cstdio>

namespace moe::core {

namespace {

using nlohmann::json;

json number(double v) { return std::isnan(v) ? json(nullptr) : json(v); }

json numbers(const std::vector<double>& v) {
  json a = json::array();
  for (double x : v) a.push_back(number(x));
  return a;
}

json evalJson(const AblationReport& r, const AblationEval& e) {
  std::vector<double> drop(e.classAccuracy.size());
  for (std::size_t c = 0; c < drop.size() && c < r.classAccuracy.size(); ++c)
    drop[c] = r.classAccuracy[c] - e.classAccuracy[c];
  return {{"mode", ablationModeName(e.mode)},
          {"expert", e.expert < 0 ? json(nullptr) : json(e.expert)},
          {"test_accuracy", e.accuracy},
          {"accuracy_drop", r.accuracy - e.accuracy},
          {"class_accuracy", numbers(e.classAccuracy)},
          {"class_drop", numbers(drop)}};
}

json evalList(const AblationReport& r, const std::vector<AblationEval>& list) {
  json a = json::array();
  for (const AblationEval& e : list) a.push_back(evalJson(r, e));
  return a;
}

json barJson(const AblationReport& r, AblationMode mode) {
  json a = json::array();
  for (const AblationBarRow& b : ablationBar(r, mode))
    a.push_back({{"expert", b.expert},
                 {"share", b.share},
                 {"top_class", b.topClass},
                 {"top_class_share", b.topClassShare},
                 {"top_class_drop", b.topClassDrop},
                 {"other_class_drop", b.otherClassDrop},
                 {"passes", b.passes}});
  return a;
}

}  // namespace

nlohmann::json ablationJson(const AblationReport& r) {
  json classExpert = json::array();
  for (int c = 0; c < r.classes; ++c) {
    json row = json::array();
    for (int e = 0; e < r.experts; ++e)
      row.push_back(r.classExpert[std::size_t(c) * std::size_t(r.experts) + std::size_t(e)]);
    classExpert.push_back(row);
  }
  return {{"ablation", true},
          {"step", r.step},
          {"experts", r.experts},
          {"classes", r.classes},
          {"k", r.k},
          {"test_rows", r.rows},
          {"class_names", r.classNames},
          {"test_accuracy", r.accuracy},
          {"class_accuracy", numbers(r.classAccuracy)},
          {"class_rows", r.classRows},
          {"class_expert", classExpert},
          {"expert_share", r.expertShare},
          {"removed",
           {{"next-choice", evalList(r, r.nextChoice)},
            {"renormalise", evalList(r, r.renormalise)}}},
          {"alone", evalList(r, r.alone)},
          {"uniform_gate", evalJson(r, r.uniform)},
          {"bar",
           {{"next-choice", barJson(r, AblationMode::NextChoice)},
            {"renormalise", barJson(r, AblationMode::Renormalise)}}}};
}

std::string ablationTable(const AblationReport& r) {
  std::string out;
  char line[256];
  std::snprintf(line, sizeof line,
                "ablation at step %ld: test accuracy %.4f, %d experts, k = %d, %d test rows\n",
                r.step, r.accuracy, r.experts, r.k, r.rows);
  out += line;
  out += "expert  share   removed (next choice)  removed (renormalised)  alone\n";
  for (int e = 0; e < r.experts; ++e) {
    const auto u = std::size_t(e);
    std::snprintf(line, sizeof line, "%6d  %5.3f   %.4f (drop %+.4f)    %.4f (drop %+.4f)     %.4f\n",
                  e, r.expertShare[u], r.nextChoice[u].accuracy,
                  r.accuracy - r.nextChoice[u].accuracy, r.renormalise[u].accuracy,
                  r.accuracy - r.renormalise[u].accuracy, r.alone[u].accuracy);
    out += line;
  }
  std::snprintf(line, sizeof line, "uniform gate (every expert alike): %.4f (drop %+.4f)\n",
                r.uniform.accuracy, r.accuracy - r.uniform.accuracy);
  out += line;
  for (AblationMode mode : {AblationMode::NextChoice, AblationMode::Renormalise}) {
    out += std::string("bar (") + ablationModeName(mode) +
           "): experts with >= 5% of the inputs, drop on their top class against the others\n";
    for (const AblationBarRow& b : ablationBar(r, mode)) {
      const std::string name = std::size_t(b.topClass) < r.classNames.size()
                                   ? r.classNames[std::size_t(b.topClass)]
                                   : std::to_string(b.topClass);
      std::snprintf(line, sizeof line,
                    "  expert %d (share %.3f): top class %s (%.3f of it), drop %+.4f against "
                    "%+.4f: %s\n",
                    b.expert, b.share, name.c_str(), b.topClassShare, b.topClassDrop,
                    b.otherClassDrop, b.passes ? "yes" : "NO");
      out += line;
    }
  }
  return out;
}

}  // namespace moe::core
