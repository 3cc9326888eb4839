#pragma once
#include <vector>

#include <QStringList>
#include <QWidget>

namespace moe::ui {

/** A horizontal stacked bar of class shares with a colour legend in its tooltip. */
class ClassMixBar : public QWidget {
  Q_OBJECT

 public:
  explicit ClassMixBar(QWidget* parent = nullptr);

  void setMix(const std::vector<double>& counts, const QStringList& classNames);
  QSize sizeHint() const override { return {300, 26}; }

 protected:
  void changeEvent(QEvent* event) override;
  void paintEvent(QPaintEvent* event) override;

 private:
  std::vector<double> mShares;
  QStringList mNames;
};

}  // namespace moe::ui
