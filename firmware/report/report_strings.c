/* Report headings (report_strings.h). The Vietnamese wording follows the Hanoi plan's
 * reporting regime (context/: "báo cáo định kỳ 6 tháng, báo cáo sơ kết 01 năm, 02 năm,
 * tổng kết 03 năm") and the administrative layout of Decree 30/2020/NĐ-CP. */
#include "report_strings.h"

static const char *const strings[RS_COUNT][2] = {
    [RS_NATION] = {"CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "SOCIALIST REPUBLIC OF VIET NAM"},
    [RS_MOTTO] = {"Độc lập - Tự do - Hạnh phúc", "Independence - Freedom - Happiness"},
    [RS_UBND] = {"UBND %s", "PEOPLE'S COMMITTEE, %s"},
    [RS_DOC_NUMBER] = {"Số:          /BC-UBND", "No.:          /BC-UBND"},
    [RS_TITLE_RANGE] = {"BÁO CÁO THỜI LƯỢNG PHÁT THANH", "AIRTIME REPORT"},
    [RS_TITLE_HALF] = {"BÁO CÁO ĐỊNH KỲ 6 THÁNG", "SIX-MONTH REPORT"},
    [RS_TITLE_YEARS] = {"BÁO CÁO SƠ KẾT %02d NĂM", "%d-YEAR INTERIM REVIEW"},
    [RS_TITLE_YEARS_FINAL] = {"BÁO CÁO TỔNG KẾT %02d NĂM", "%d-YEAR FINAL REVIEW"},
    [RS_TITLE_ALL] = {"BÁO CÁO TỔNG KẾT", "FINAL REPORT"},
    [RS_SUBTITLE] = {"Kết quả phát thanh trên hệ thống truyền thanh cơ sở",
                     "Broadcasts on the commune loudspeaker system"},
    [RS_CAMPAIGN] = {"Thực hiện: ", "Campaign: "},
    [RS_PERIOD] = {"Kỳ báo cáo", "Period"},
    [RS_PERIOD_HALF] = {"6 tháng lần thứ %d", "half-year %d"},
    [RS_PERIOD_YEARS] = {"%02d năm thực hiện", "%d year(s) of the campaign"},
    [RS_PERIOD_ALL] = {"toàn bộ thời gian thực hiện", "the whole campaign"},
    [RS_FROM_TO] = {"từ ngày %s đến ngày %s", "from %s to %s"},
    [RS_CUTOFF] = {"số liệu chốt ngày %s", "data cut-off %s"},
    [RS_UNITS] = {"Đơn vị", "Units"},
    [RS_SOURCES] = {"Nguồn số liệu", "Sources"},
    [RS_SOURCE_OK] = {"đã xác minh", "verified"},
    [RS_SOURCE_PARTIAL] = {"không phủ hết kỳ báo cáo", "does not cover the whole period"},
    [RS_SOURCE_SKIPPED] = {"KHÔNG ĐẠT XÁC MINH, không tính", "FAILED VERIFICATION, not counted"},
    [RS_SOURCE_RECORDS] = {"bản ghi %lld–%lld", "records %lld–%lld"},
    [RS_BY] = {"Tổng hợp theo", "By"},
    [RS_BY_ITEM] = {"Tin bài", "Item"},
    [RS_BY_CATEGORY] = {"Chuyên mục", "Category"},
    [RS_BY_SESSION] = {"Buổi phát", "Session"},
    [RS_BY_DAY] = {"Ngày", "Day"},
    [RS_BY_WEEK] = {"Tuần", "Week"},
    [RS_BY_MONTH] = {"Tháng", "Month"},
    [RS_BY_COMMUNE] = {"Xã, phường", "Commune"},
    [RS_COL_NO] = {"STT", "No."},
    [RS_COL_KEY] = {"Mã", "Key"},
    [RS_COL_FROM] = {"Từ ngày", "From"},
    [RS_COL_TO] = {"Đến ngày", "To"},
    [RS_COL_PLANNED] = {"Kế hoạch", "Planned"},
    [RS_COL_AIRED] = {"Đã phát", "Aired"},
    [RS_COL_COMPLETED] = {"Trọn vẹn", "Completed"},
    [RS_COL_INTERRUPTED] = {"Bị ngắt", "Interrupted"},
    [RS_COL_FAILED] = {"Lỗi", "Failed"},
    [RS_COL_MISSED] = {"Bỏ lỡ", "Missed"},
    [RS_COL_DROPPED] = {"Bị loại", "Dropped"},
    [RS_COL_AIRTIME] = {"Thời lượng", "Airtime"},
    [RS_COL_AIRTIME_MS] = {"Thời lượng (ms)", "Airtime (ms)"},
    [RS_COL_COMPLETION] = {"Tỷ lệ hoàn thành (%)", "Completion (%)"},
    [RS_COL_NOTICE_TIMES] = {"Bảng tin (lượt)", "Notices shown (times)"},
    [RS_COL_NOTICE_SECONDS] = {"Bảng tin (giây)", "Notices shown (seconds)"},
    [RS_COL_ROW_TYPE] = {"Loại dòng", "Row type"},
    [RS_TOTAL] = {"Tổng cộng", "Total"},
    [RS_OUTSIDE] = {"Ngoài tổng số", "Outside the totals"},
    [RS_OUTSIDE_CHIME] = {"Chuông hiệu", "Chimes"},
    [RS_OUTSIDE_PLAY_NOW] = {"Phát khẩn (play-now)", "Play-now"},
    [RS_OUTSIDE_TEST] = {"Phát thử loa", "Speaker tests"},
    [RS_NO_CATEGORY] = {"(không phân loại)", "(no category)"},
    [RS_NO_SESSION] = {"(ngoài buổi phát)", "(no session)"},
    [RS_NO_ROWS] = {"Không có số liệu trong kỳ báo cáo.", "No records in the period."},
    [RS_WEEK_LABEL] = {"Tuần %s–%s", "Week %s–%s"},
    [RS_MONTH_LABEL] = {"Tháng %s", "Month %s"},
    [RS_CHART_TITLE] = {"Thời lượng phát theo %s (giờ)", "Airtime by %s (hours)"},
    [RS_CHART_DAY] = {"ngày", "day"},
    [RS_CHART_WEEK] = {"tuần", "week"},
    [RS_CHART_MONTH] = {"tháng", "month"},
    [RS_HOURS] = {"giờ", "hours"},
    [RS_PREPARER] = {"Người lập biểu", "Prepared by"},
    [RS_PREPARER_NOTE] = {"(Ký, ghi rõ họ tên)", "(signature and full name)"},
    [RS_HEAD] = {"Thủ trưởng đơn vị", "Head of the unit"},
    [RS_HEAD_NOTE] = {"(Ký tên, đóng dấu)", "(signature and seal)"},
    [RS_PAGE] = {"Trang %d/%d", "Page %d/%d"},
    [RS_SHEET_REPORT] = {"Báo cáo", "Report"},
    [RS_SHEET_CHART] = {"Biểu đồ", "Chart"},
    [RS_NOTES] = {"Ghi chú", "Notes"},
    [RS_NOTE_FIGURES] = {"Kế hoạch = trọn vẹn + bị ngắt + lỗi + bỏ lỡ; đã phát = trọn vẹn + "
                         "bị ngắt; thời lượng cộng các lượt trọn vẹn, bị ngắt và lỗi; tỷ lệ "
                         "hoàn thành = trọn vẹn / kế hoạch; bị loại: không đủ thời lượng "
                         "buổi phát. Số liệu lấy từ sổ phát sóng có chữ ký số của từng thiết "
                         "bị, theo ngày của buổi phát.",
                         "Planned = completed + interrupted + failed + missed; aired = "
                         "completed + interrupted; airtime adds completed, interrupted and "
                         "failed airings; completion = completed / planned; dropped: did not "
                         "fit in the session. Figures come from each device's signed airtime "
                         "ledger, by session date."},
};

const char *report_str(enum report_lang lang, enum report_str id)
{
    if ((unsigned)id >= RS_COUNT)
        return "";
    const char *s = strings[id][lang == REPORT_LANG_EN ? 1 : 0];
    return s ? s : "";
}

const char *report_by_heading(enum report_lang lang, enum report_by by)
{
    return report_str(lang, (enum report_str)(RS_BY_ITEM + (int)by));
}
