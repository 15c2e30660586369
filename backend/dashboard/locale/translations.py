"""Fills the dashboard's Hindi and Tamil catalogues (locale/<lang>/LC_MESSAGES/django.po) from the
tables below, then compiles them (.mo). Run after `django-admin makemessages -l hi -l ta`:
    python backend/dashboard/locale/translations.py
"""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

HI = {
    "Accounts": "खाते", "Connected accounts": "जुड़े हुए खाते", "connected": "जुड़ा हुआ", "disconnected": "डिस्कनेक्ट",
    "needs reconnect": "फिर से जोड़ना ज़रूरी", "Disconnect": "डिस्कनेक्ट करें", "No accounts yet.": "अभी कोई खाता नहीं है।",
    "Connect by hand": "हाथ से जोड़ें", "Platform": "प्लेटफ़ॉर्म", "Handle (name shown in Postloom)": "हैंडल (Postloom में दिखने वाला नाम)",
    "Access token (not needed for the sandbox)": "एक्सेस टोकन (सैंडबॉक्स के लिए ज़रूरी नहीं)",
    "WhatsApp phone number ID": "WhatsApp फ़ोन नंबर ID", "WhatsApp recipients (E.164, separated by spaces)": "WhatsApp प्राप्तकर्ता (E.164, स्पेस से अलग)",
    "Connect": "जोड़ें", "Connect with the platform's login": "प्लेटफ़ॉर्म के लॉगिन से जोड़ें", "Connect %(label)s": "%(label)s जोड़ें",
    "Language": "भाषा", "Dashboard": "डैशबोर्ड", "Skip to content": "सामग्री पर जाएँ", "Main": "मुख्य", "Compose": "पोस्ट लिखें",
    "Studio": "स्टूडियो", "Organization": "संगठन", "Switch": "बदलें", "Set": "चुनें", "Log out": "लॉग आउट", "New post": "नई पोस्ट",
    "Connect an account first.": "पहले एक खाता जोड़ें।", "Caption": "कैप्शन", "Hashtags (separated by spaces)": "हैशटैग (स्पेस से अलग)",
    "Image from the library": "लाइब्रेरी से चित्र", "None": "कोई नहीं", "Or upload an image": "या चित्र अपलोड करें",
    "Date and time (%(tz)s)": "तारीख़ और समय (%(tz)s)", "Schedule": "शेड्यूल करें",
    "You do not belong to any organization yet.": "आप अभी किसी संगठन के सदस्य नहीं हैं।", "Upcoming": "आने वाली पोस्ट",
    "Nothing scheduled yet.": "अभी कुछ शेड्यूल नहीं है।", "Posts": "पोस्ट", "Search": "खोजें", "Status": "स्थिति", "All": "सभी",
    "Account": "खाता", "Filter": "छाँटें", "Log in": "लॉग इन", "Email": "ईमेल", "Password": "पासवर्ड", "New here?": "नए हैं?",
    "Create an account": "खाता बनाएँ", "Close": "बंद करें", "characters": "अक्षर", "ready": "तैयार", "Figures": "आँकड़े",
    "Scheduled": "शेड्यूल", "Posted": "पोस्ट हो गईं", "Failed": "विफल", "This week": "इस सप्ताह", "AI usage left": "बचा हुआ AI उपयोग",
    "posters": "पोस्टर", "captions": "कैप्शन", "Time": "समय", "Actions": "कार्य", "Cancel": "रद्द करें", "Retry": "फिर कोशिश करें",
    "Approve": "स्वीकृत करें", "Publish now": "अभी प्रकाशित करें", "View": "देखें", "No posts match.": "कोई पोस्ट नहीं मिली।",
    "Pages": "पृष्ठ", "Previous": "पिछला", "Page %(n)s of %(total)s": "पृष्ठ %(n)s / %(total)s", "Next": "अगला", "Sign up": "साइन अप",
    "Your name": "आपका नाम", "Shop name": "दुकान का नाम", "Have an account?": "खाता है?", "Your poster": "आपका पोस्टर",
    "The generated offer poster": "बनाया गया ऑफ़र पोस्टर", "Pick a caption": "कैप्शन चुनें", "Make an offer poster": "ऑफ़र पोस्टर बनाएँ",
    "Product photo": "उत्पाद की फ़ोटो", "Product name": "उत्पाद का नाम", "Offer text": "ऑफ़र का संदेश", "Discount (%%)": "छूट (%%)",
    "Price": "कीमत", "Original price": "असली कीमत", "Festival": "त्योहार", "Poster language": "पोस्टर की भाषा", "Detect": "अपने आप",
    "Generate poster and captions": "पोस्टर और कैप्शन बनाएँ", "draft": "ड्राफ़्ट", "pending": "स्वीकृति बाकी", "scheduled": "शेड्यूल",
    "publishing": "प्रकाशित हो रही", "posted": "पोस्ट हो गई", "failed": "विफल", "cancelled": "रद्द",
    "That email and password do not match an account.": "यह ईमेल और पासवर्ड किसी खाते से मेल नहीं खाते।",
    "Welcome to Postloom! Connect an account to start.": "Postloom में स्वागत है! शुरू करने के लिए एक खाता जोड़ें।",
    "Hashtags": "हैशटैग", "This file is too large.": "यह फ़ाइल बहुत बड़ी है।", "%(n)d post(s) scheduled.": "%(n)d पोस्ट शेड्यूल हुईं।",
    "Connected %(handle)s.": "%(handle)s जुड़ गया।",
    "Disconnected %(handle)s; its unpublished posts were cancelled.": "%(handle)s डिस्कनेक्ट हुआ; इसकी अप्रकाशित पोस्ट रद्द कर दी गईं।",
    "The platform did not return a code.": "प्लेटफ़ॉर्म ने कोड नहीं लौटाया।",
    "The poster is being drawn; it will appear in the media library.": "पोस्टर बन रहा है; यह मीडिया लाइब्रेरी में दिखेगा।",
    "Post cancelled.": "पोस्ट रद्द हुई।", "Post scheduled again.": "पोस्ट फिर से शेड्यूल हुई।", "Post approved.": "पोस्ट स्वीकृत हुई।",
    "Post is being published now.": "पोस्ट अभी प्रकाशित हो रही है।",
    "Post": "पोस्ट", "The post image": "पोस्ट का चित्र", "View on the platform": "प्लेटफ़ॉर्म पर देखें", "Attempts": "प्रयास",
    "No attempts yet.": "अभी कोई प्रयास नहीं।", "Engagement": "जुड़ाव", "No reading yet.": "अभी कोई आँकड़ा नहीं।",
    "(no caption)": "(कैप्शन नहीं)", "Members": "सदस्य", "Role": "भूमिका", "Change": "बदलें", "Remove": "हटाएँ",
    "Invite someone": "किसी को आमंत्रित करें", "Send this link:": "यह लिंक भेजें:", "Invite": "आमंत्रित करें",
    "You have been invited": "आपको आमंत्रित किया गया है", "Join the organization": "संगठन से जुड़ें",
    "Invite created: send the link to %(email)s.": "आमंत्रण बना: लिंक %(email)s को भेजें।", "Role changed.": "भूमिका बदल गई।",
    "Member removed.": "सदस्य हटाया गया।", "You joined %(name)s.": "आप %(name)s से जुड़ गए।",
    "Posters": "पोस्टर", "Captions": "कैप्शन", "Details": "विवरण", "Read engagement now": "जुड़ाव अभी पढ़ें",
    "Read at %(when)s": "%(when)s पर पढ़ा गया", "in progress": "जारी है", "success": "सफल", "temporary error": "अस्थायी त्रुटि",
    "rate limited": "सीमा पूरी", "login expired": "लॉगिन की अवधि ख़त्म", "rejected": "अस्वीकृत", "outcome unknown": "नतीजा पता नहीं",
    "Likes": "लाइक", "Comments": "टिप्पणियाँ", "Shares": "शेयर", "Views": "व्यू", "Reach": "पहुँच", "Impressions": "इम्प्रेशन",
    "Reading the engagement figures; they appear here in a moment.": "जुड़ाव के आँकड़े पढ़े जा रहे हैं; वे थोड़ी देर में यहाँ दिखेंगे।",
    "Language changed.": "भाषा बदल गई।", "You are working on %(name)s.": "अब आप %(name)s पर काम कर रहे हैं।",
    "Invite revoked.": "आमंत्रण रद्द हुआ।", "Your poster is ready: pick a caption and schedule it.": "आपका पोस्टर तैयार है: कैप्शन चुनें और शेड्यूल करें।",
    "%(name)s invites %(email)s to join as %(role)s.": "%(name)s, %(email)s को %(role)s के रूप में जुड़ने के लिए आमंत्रित करता है।",
    "Invites not yet accepted": "जो आमंत्रण अभी स्वीकार नहीं हुए", "valid until %(date)s": "%(date)s तक मान्य", "Revoke": "रद्द करें",
    "Owner": "मालिक", "Admin": "एडमिन", "Editor": "संपादक", "Viewer": "दर्शक",
    "Posting slots": "पोस्ट करने के समय", "next free": "अगला खाली समय", "none yet (posts can still be given a date and time)": "अभी कोई नहीं (पोस्ट को तारीख़ और समय फिर भी दिया जा सकता है)",
    "Edit the posting slots of %(handle)s": "%(handle)s के पोस्ट करने के समय बदलें",
    "Times as HH:MM (24-hour), separated by spaces, e.g. 09:00 18:30.": "समय HH:MM (24 घंटे) में, स्पेस से अलग, जैसे 09:00 18:30।",
    "Timezone of the slots": "इन समयों का टाइमज़ोन", "Save slots": "समय सहेजें",
    "A different caption per platform (optional)": "हर प्लेटफ़ॉर्म के लिए अलग कैप्शन (वैकल्पिक)",
    "Left empty, a platform gets the caption above.": "ख़ाली छोड़ने पर प्लेटफ़ॉर्म को ऊपर वाला कैप्शन मिलेगा।",
    "Caption for %(name)s": "%(name)s के लिए कैप्शन", "When": "कब", "At a date and time": "किसी तारीख़ और समय पर",
    "In each account's next free posting slot": "हर खाते के अगले खाली समय पर", "its own caption": "अपना कैप्शन",
    "Next free posting slots": "अगले खाली समय", "%(handle)s: next free slot %(when)s": "%(handle)s: अगला खाली समय %(when)s",
    "%(handle)s has no posting slots yet: set them on the Accounts page.": "%(handle)s के पोस्ट करने के समय अभी तय नहीं हैं: उन्हें खाते पेज पर तय करें।",
    "Choose at least one account.": "कम से कम एक खाता चुनें।", "Posting slots saved for %(handle)s.": "%(handle)s के पोस्ट करने के समय सहेजे गए।",
    "First comment": "पहली टिप्पणी", "after the post is published": "पोस्ट प्रकाशित होने के बाद", "being published": "प्रकाशित हो रही है",
}

TA = {
    "Accounts": "கணக்குகள்", "Connected accounts": "இணைக்கப்பட்ட கணக்குகள்", "connected": "இணைக்கப்பட்டது", "disconnected": "துண்டிக்கப்பட்டது",
    "needs reconnect": "மீண்டும் இணைக்க வேண்டும்", "Disconnect": "துண்டிக்கவும்", "No accounts yet.": "இன்னும் கணக்குகள் இல்லை.",
    "Connect by hand": "கைமுறையாக இணைக்கவும்", "Platform": "தளம்", "Handle (name shown in Postloom)": "பெயர் (Postloom-இல் காட்டப்படும்)",
    "Access token (not needed for the sandbox)": "அணுகல் டோக்கன் (சாண்ட்பாக்ஸுக்குத் தேவையில்லை)",
    "WhatsApp phone number ID": "WhatsApp தொலைபேசி எண் ID", "WhatsApp recipients (E.164, separated by spaces)": "WhatsApp பெறுநர்கள் (E.164, இடைவெளியால் பிரிக்கவும்)",
    "Connect": "இணைக்கவும்", "Connect with the platform's login": "தளத்தின் உள்நுழைவுடன் இணைக்கவும்", "Connect %(label)s": "%(label)s இணைக்கவும்",
    "Language": "மொழி", "Dashboard": "முகப்புப் பலகை", "Skip to content": "உள்ளடக்கத்துக்குச் செல்லவும்", "Main": "முதன்மை",
    "Compose": "பதிவு எழுது", "Studio": "ஸ்டுடியோ", "Organization": "நிறுவனம்", "Switch": "மாற்று", "Set": "அமை", "Log out": "வெளியேறு",
    "New post": "புதிய பதிவு", "Connect an account first.": "முதலில் ஒரு கணக்கை இணைக்கவும்.", "Caption": "தலைப்பு வாசகம்",
    "Hashtags (separated by spaces)": "ஹேஷ்டேக்குகள் (இடைவெளியால் பிரிக்கவும்)", "Image from the library": "நூலகத்திலிருந்து படம்",
    "None": "எதுவும் இல்லை", "Or upload an image": "அல்லது படத்தைப் பதிவேற்றவும்", "Date and time (%(tz)s)": "தேதி மற்றும் நேரம் (%(tz)s)",
    "Schedule": "திட்டமிடு", "You do not belong to any organization yet.": "நீங்கள் இன்னும் எந்த நிறுவனத்திலும் இல்லை.",
    "Upcoming": "வரவிருப்பவை", "Nothing scheduled yet.": "இன்னும் எதுவும் திட்டமிடப்படவில்லை.", "Posts": "பதிவுகள்", "Search": "தேடு",
    "Status": "நிலை", "All": "அனைத்தும்", "Account": "கணக்கு", "Filter": "வடிகட்டு", "Log in": "உள்நுழை", "Email": "மின்னஞ்சல்",
    "Password": "கடவுச்சொல்", "New here?": "புதியவரா?", "Create an account": "கணக்கை உருவாக்கவும்", "Close": "மூடு",
    "characters": "எழுத்துகள்", "ready": "தயார்", "Figures": "எண்ணிக்கைகள்", "Scheduled": "திட்டமிடப்பட்டவை", "Posted": "வெளியிடப்பட்டவை",
    "Failed": "தோல்வியடைந்தவை", "This week": "இந்த வாரம்", "AI usage left": "மீதமுள்ள AI பயன்பாடு", "posters": "சுவரொட்டிகள்",
    "captions": "வாசகங்கள்", "Time": "நேரம்", "Actions": "செயல்கள்", "Cancel": "ரத்து செய்", "Retry": "மீண்டும் முயல்",
    "Approve": "அனுமதி", "Publish now": "இப்போதே வெளியிடு", "View": "பார்", "No posts match.": "பொருந்தும் பதிவுகள் இல்லை.",
    "Pages": "பக்கங்கள்", "Previous": "முந்தையது", "Page %(n)s of %(total)s": "பக்கம் %(n)s / %(total)s", "Next": "அடுத்தது",
    "Sign up": "பதிவு செய்", "Your name": "உங்கள் பெயர்", "Shop name": "கடையின் பெயர்", "Have an account?": "கணக்கு உள்ளதா?",
    "Your poster": "உங்கள் சுவரொட்டி", "The generated offer poster": "உருவாக்கப்பட்ட சலுகைச் சுவரொட்டி", "Pick a caption": "வாசகத்தைத் தேர்ந்தெடுக்கவும்",
    "Make an offer poster": "சலுகைச் சுவரொட்டி உருவாக்கு", "Product photo": "பொருளின் புகைப்படம்", "Product name": "பொருளின் பெயர்",
    "Offer text": "சலுகை வாசகம்", "Discount (%%)": "தள்ளுபடி (%%)", "Price": "விலை", "Original price": "அசல் விலை", "Festival": "பண்டிகை",
    "Poster language": "சுவரொட்டி மொழி", "Detect": "தானாக", "Generate poster and captions": "சுவரொட்டியும் வாசகங்களும் உருவாக்கு",
    "draft": "வரைவு", "pending": "அனுமதிக்குக் காத்திருக்கிறது", "scheduled": "திட்டமிடப்பட்டது", "publishing": "வெளியிடப்படுகிறது",
    "posted": "வெளியிடப்பட்டது", "failed": "தோல்வி", "cancelled": "ரத்து",
    "That email and password do not match an account.": "இந்த மின்னஞ்சலும் கடவுச்சொல்லும் எந்தக் கணக்குடனும் பொருந்தவில்லை.",
    "Welcome to Postloom! Connect an account to start.": "Postloom-க்கு வரவேற்கிறோம்! தொடங்க ஒரு கணக்கை இணைக்கவும்.",
    "Hashtags": "ஹேஷ்டேக்குகள்", "This file is too large.": "இந்தக் கோப்பு மிகப் பெரியது.", "%(n)d post(s) scheduled.": "%(n)d பதிவு(கள்) திட்டமிடப்பட்டன.",
    "Connected %(handle)s.": "%(handle)s இணைக்கப்பட்டது.",
    "Disconnected %(handle)s; its unpublished posts were cancelled.": "%(handle)s துண்டிக்கப்பட்டது; அதன் வெளியிடப்படாத பதிவுகள் ரத்து செய்யப்பட்டன.",
    "The platform did not return a code.": "தளம் குறியீட்டைத் திருப்பி அனுப்பவில்லை.",
    "The poster is being drawn; it will appear in the media library.": "சுவரொட்டி உருவாகிறது; அது ஊடக நூலகத்தில் தோன்றும்.",
    "Post cancelled.": "பதிவு ரத்து செய்யப்பட்டது.", "Post scheduled again.": "பதிவு மீண்டும் திட்டமிடப்பட்டது.",
    "Post approved.": "பதிவு அனுமதிக்கப்பட்டது.", "Post is being published now.": "பதிவு இப்போது வெளியிடப்படுகிறது.",
    "Post": "பதிவு", "The post image": "பதிவின் படம்", "View on the platform": "தளத்தில் பார்", "Attempts": "முயற்சிகள்",
    "No attempts yet.": "இன்னும் முயற்சிகள் இல்லை.", "Engagement": "ஈடுபாடு", "No reading yet.": "இன்னும் அளவீடு இல்லை.",
    "(no caption)": "(வாசகம் இல்லை)", "Members": "உறுப்பினர்கள்", "Role": "பங்கு", "Change": "மாற்று", "Remove": "நீக்கு",
    "Invite someone": "ஒருவரை அழைக்கவும்", "Send this link:": "இந்த இணைப்பை அனுப்பவும்:", "Invite": "அழை",
    "You have been invited": "நீங்கள் அழைக்கப்பட்டுள்ளீர்கள்", "Join the organization": "நிறுவனத்தில் சேரவும்",
    "Invite created: send the link to %(email)s.": "அழைப்பு உருவானது: இணைப்பை %(email)s-க்கு அனுப்பவும்.", "Role changed.": "பங்கு மாற்றப்பட்டது.",
    "Member removed.": "உறுப்பினர் நீக்கப்பட்டார்.", "You joined %(name)s.": "நீங்கள் %(name)s-இல் சேர்ந்தீர்கள்.",
    "Posters": "சுவரொட்டிகள்", "Captions": "வாசகங்கள்", "Details": "விவரங்கள்", "Read engagement now": "ஈடுபாட்டை இப்போது படிக்கவும்",
    "Read at %(when)s": "%(when)s அன்று படிக்கப்பட்டது", "in progress": "நடைபெறுகிறது", "success": "வெற்றி", "temporary error": "தற்காலிகப் பிழை",
    "rate limited": "வரம்பு எட்டியது", "login expired": "உள்நுழைவு காலாவதியானது", "rejected": "நிராகரிக்கப்பட்டது", "outcome unknown": "முடிவு தெரியவில்லை",
    "Likes": "விருப்பங்கள்", "Comments": "கருத்துகள்", "Shares": "பகிர்வுகள்", "Views": "பார்வைகள்", "Reach": "சென்றடைவு", "Impressions": "காட்சிகள்",
    "Reading the engagement figures; they appear here in a moment.": "ஈடுபாட்டு எண்ணிக்கைகள் படிக்கப்படுகின்றன; சிறிது நேரத்தில் இங்கே தோன்றும்.",
    "Language changed.": "மொழி மாற்றப்பட்டது.", "You are working on %(name)s.": "நீங்கள் இப்போது %(name)s-இல் வேலை செய்கிறீர்கள்.",
    "Invite revoked.": "அழைப்பு திரும்பப் பெறப்பட்டது.", "Your poster is ready: pick a caption and schedule it.": "உங்கள் சுவரொட்டி தயார்: ஒரு வாசகத்தைத் தேர்ந்தெடுத்து அட்டவணையிடுங்கள்.",
    "%(name)s invites %(email)s to join as %(role)s.": "%(name)s, %(email)s-ஐ %(role)s ஆகச் சேர அழைக்கிறது.",
    "Invites not yet accepted": "இன்னும் ஏற்கப்படாத அழைப்புகள்", "valid until %(date)s": "%(date)s வரை செல்லும்", "Revoke": "திரும்பப் பெறு",
    "Owner": "உரிமையாளர்", "Admin": "நிர்வாகி", "Editor": "தொகுப்பாளர்", "Viewer": "பார்வையாளர்",
    "Posting slots": "பதிவிடும் நேரங்கள்", "next free": "அடுத்த காலி நேரம்", "none yet (posts can still be given a date and time)": "இன்னும் இல்லை (பதிவுகளுக்குத் தேதியும் நேரமும் கொடுக்கலாம்)",
    "Edit the posting slots of %(handle)s": "%(handle)s-இன் பதிவிடும் நேரங்களை மாற்றவும்",
    "Times as HH:MM (24-hour), separated by spaces, e.g. 09:00 18:30.": "நேரங்கள் HH:MM (24 மணி) வடிவில், இடைவெளியால் பிரித்து, எ.கா. 09:00 18:30.",
    "Timezone of the slots": "இந்த நேரங்களின் நேர மண்டலம்", "Save slots": "நேரங்களைச் சேமி",
    "A different caption per platform (optional)": "ஒவ்வொரு தளத்துக்கும் வேறு வாசகம் (விருப்பம்)",
    "Left empty, a platform gets the caption above.": "காலியாக விட்டால், மேலே உள்ள வாசகம் அந்தத் தளத்துக்குச் செல்லும்.",
    "Caption for %(name)s": "%(name)s-க்கான வாசகம்", "When": "எப்போது", "At a date and time": "ஒரு தேதியிலும் நேரத்திலும்",
    "In each account's next free posting slot": "ஒவ்வொரு கணக்கின் அடுத்த காலி நேரத்தில்", "its own caption": "தனி வாசகம்",
    "Next free posting slots": "அடுத்த காலி நேரங்கள்", "%(handle)s: next free slot %(when)s": "%(handle)s: அடுத்த காலி நேரம் %(when)s",
    "%(handle)s has no posting slots yet: set them on the Accounts page.": "%(handle)s-க்கு இன்னும் பதிவிடும் நேரங்கள் இல்லை: கணக்குகள் பக்கத்தில் அமைக்கவும்.",
    "Choose at least one account.": "குறைந்தது ஒரு கணக்கைத் தேர்ந்தெடுக்கவும்.", "Posting slots saved for %(handle)s.": "%(handle)s-இன் பதிவிடும் நேரங்கள் சேமிக்கப்பட்டன.",
    "First comment": "முதல் கருத்து", "after the post is published": "பதிவு வெளியான பிறகு", "being published": "வெளியிடப்படுகிறது",
}


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def fill(path: Path, table: dict[str, str]) -> list[str]:
    text = path.read_text(encoding="utf-8")
    missing = []

    def replace(match: re.Match) -> str:
        msgid = match.group(1).encode("utf-8").decode("unicode_escape").encode("latin-1").decode("utf-8") if "\\" in match.group(1) else match.group(1)
        if not msgid:
            return match.group(0)
        if msgid not in table:
            missing.append(msgid)
            return match.group(0)
        return f'msgid "{match.group(1)}"\nmsgstr "{_escape(table[msgid])}"'

    text = re.sub(r'msgid "(.*)"\nmsgstr ".*"', replace, text)
    # Every msgstr comes from the tables, so no entry is a guess: drop makemessages' fuzzy marks.
    text = re.sub(r"^#, fuzzy\n|^#\| msgid .*\n", "", text, flags=re.MULTILINE)
    path.write_text(text, encoding="utf-8")
    return missing


if __name__ == "__main__":
    here = Path(__file__).resolve().parent
    for lang, table in (("hi", HI), ("ta", TA)):
        po = here / lang / "LC_MESSAGES" / "django.po"
        missing = fill(po, table)
        if missing:
            raise SystemExit(f"{lang}: no translation for {missing}")
        subprocess.run(["msgfmt", "--check", "-o", str(po.with_suffix(".mo")), str(po)], check=True)
        print(f"{lang}: {len(table)} messages compiled")
