#pragma once
#include <vector>

#include <QColor>
#include <QStringList>

#include "ui/plotview.h"

namespace moe::ui {

/**
 * Named bars, each in its own colour, with the value written above it: a text's language
 * probabilities (the true language outlined), a user's share of ratings per expert.
 */
class CategoryBarChart : public PlotView {
  Q_OBJECT

 public:
  CategoryBarChart(const QString& title, const QString& valueLabel, QWidget* parent = nullptr);

  /** colors may be empty (one neutral colour); `marked` (-1: none) is drawn with a thick
   *  outline, e.g. the true class. Values are probabilities or shares (0..1). */
  void setBars(const QStringList& labels, const std::vector<double>& values,
               const std::vector<QColor>& colors = {}, int marked = -1);
  void clearBars() { setBars({}, {}); }
  const std::vector<double>& values() const { return mValues; }
  QStringList labels() const { return mLabels; }

 protected:
  void rescale() override {}

 private:
  std::vector<QCPBars*> mBars;
  std::vector<QCPItemText*> mTexts;
  std::vector<double> mValues;
  QStringList mLabels;
};

}  // namespace moe::ui
