curl 'https://api.notion.com/v1/pages/68ff12a08dc04f94ae2e0931344eb153/properties/Qy~%3E' \
    -H 'Notion-Version: 2025-09-03' \
    -H 'Authorization: Bearer '"$NOTION_API_KEY"''
