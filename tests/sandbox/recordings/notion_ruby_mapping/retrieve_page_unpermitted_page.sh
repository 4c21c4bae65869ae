curl 'https://api.notion.com/v1/pages/2600ce2a6520801c86cbfd0b73eb91de' \
    -H 'Notion-Version: 2025-09-03' \
    -H 'Authorization: Bearer '"$NOTION_API_KEY"''

